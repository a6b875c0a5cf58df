import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Retention } from '../../schemas/policy.js';
import { NO_POLICY, pruneStore } from '../../src/policy/prune.js';
import { decideRetention } from '../../src/policy/retention.js';
import { sha256Hex } from '../../src/store/hashing.js';
import { manifestKey, planKey } from '../../src/store/layout.js';
import { openStore } from '../../src/store/open.js';
import { type BackupStore, blobKey } from '../../src/store/store.js';
import { storeSignedManifest, syntheticManifest } from '../helpers/manifests.js';

// A synthetic history: one run a day at 02:00 UTC for 400 days up to 2026-11-25, a second run at
// 14:00 on every 10th day, and one run still writing (no manifest) started an hour before "now".
const NOW = new Date('2026-11-25T15:00:00Z');
const DAY = 86_400_000;
const FIRST = Date.parse('2025-10-22T02:00:00Z'); // 400 days: 2025-10-22 … 2026-11-25
const POLICY = 'nightly';
const RETENTION = Retention.parse({
  keepLast: 3,
  daily: 7,
  weekly: 4,
  monthly: 12,
  yearly: 2,
  minAgeDays: 0,
});

const stamp = (time: number) =>
  new Date(time)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
const runIdAt = (time: number, suffix: string) => `${stamp(time)}-${suffix}`;

interface Synthetic {
  runId: string;
  blobs: string[];
}

/** Every run references a shared blob, its week's blob and its own blob. */
function history(): Synthetic[] {
  const runs: Synthetic[] = [];
  for (let day = 0; day < 400; day += 1) {
    const times = [FIRST + day * DAY, ...(day % 10 === 0 ? [FIRST + day * DAY + 12 * 3600_000] : [])];
    for (const [index, time] of times.entries()) {
      const runId = runIdAt(time, `r${String(day).padStart(3, '0')}${index}x`.slice(0, 6));
      runs.push({
        runId,
        blobs: [
          blobKey(sha256Hex('shared')),
          blobKey(sha256Hex(`week-${Math.floor(day / 7)}`)),
          blobKey(sha256Hex(runId)),
        ],
      });
    }
  }
  return runs;
}

/**
 * The runs the retention must keep, worked out by hand from the calendar (not by the code under
 * test): the 3 newest; the newest of each of the 7 newest days; of the 4 newest ISO weeks; of the
 * 12 newest months; of the 2 newest years.
 */
function expectedKept(runs: Synthetic[]): Set<string> {
  const newestOn = (prefix: string) =>
    runs
      .map((run) => run.runId)
      .filter((id) => id.startsWith(prefix))
      .sort()
      .at(-1) as string;
  const kept = new Set<string>(
    runs
      .map((run) => run.runId)
      .sort()
      .slice(-3),
  );
  for (const day of ['20261125', '20261124', '20261123', '20261122', '20261121', '20261120', '20261119'])
    kept.add(newestOn(day));
  // ISO weeks: 2026-W48 (Mon 23 Nov…), W47 (16-22), W46 (9-15), W45 (2-8): newest run is the Sunday's.
  for (const day of ['20261125', '20261122', '20261115', '20261108']) kept.add(newestOn(day));
  // Months: the newest run of each month Dec 2025 … Nov 2026 (last day of the month, or today).
  for (const day of [
    '20261125',
    '20261031',
    '20260930',
    '20260831',
    '20260731',
    '20260630',
    '20260531',
    '20260430',
    '20260331',
    '20260228',
    '20260131',
    '20251231',
  ])
    kept.add(newestOn(day));
  for (const day of ['20261125', '20251231']) kept.add(newestOn(day));
  return kept;
}

let directory: string;
let store: BackupStore;
const runs = history();
const inProgress = runIdAt(NOW.getTime() - 3600_000, 'live01');
const manual = runs[5] as Synthetic;

async function seed(target: BackupStore) {
  for (const run of runs) {
    // One old run was made without a policy: the no-policy group has no retention here, so it stays.
    await storeSignedManifest(
      target,
      syntheticManifest(run.runId, run.blobs, run === manual ? undefined : POLICY),
    );
    await target.putJson(`runs/${run.runId}/artifacts/us-east-1/lambda-function/fn/function.json`, {});
    for (const blob of run.blobs)
      if ((await target.size(blob)) === undefined) await target.putJson(blob, blob);
  }
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-retention-'));
  store = openStore(`file://${directory}`);
  await seed(store);
}, 120_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('retention over a synthetic 400-day history', () => {
  it('decides exactly the runs the calendar says (pure decision)', () => {
    // Act
    const decisions = decideRetention(
      runs.filter((run) => run !== manual).map((run) => ({ runId: run.runId, complete: true })),
      RETENTION,
      NOW,
    );
    // Assess
    const kept = new Set(decisions.filter((decision) => decision.keep).map((decision) => decision.runId));
    expect([...kept].sort()).toEqual([...expectedKept(runs.filter((run) => run !== manual))].sort());
    // 7 days (which hold the 3 newest), +2 weeks (15 and 8 Nov), +11 months (Dec 2025 … Oct 2026);
    // the years add nothing new (today and 31 Dec 2025 are kept already).
    expect(kept.size).toBe(20);
  });

  it('a dry run lists what would go and deletes nothing', async () => {
    // Act
    const report = await pruneStore(store, { retention: { [POLICY]: RETENTION }, dryRun: true, now: NOW });
    // Assess
    expect(report.deletedRuns.length).toBeGreaterThan(300);
    expect(report.blobs.deleted.length).toBeGreaterThan(300);
    expect(await store.size(manifestKey(report.deletedRuns[0] as string))).toBeDefined();
    expect(await store.size(report.blobs.deleted[0] as string)).toBeDefined();
  });

  it('defers blob collection while a run without a manifest may still be writing', async () => {
    // Prepare
    await store.putJson(planKey(inProgress), { runId: inProgress });
    try {
      // Act
      const report = await pruneStore(store, { retention: { [POLICY]: RETENTION }, dryRun: true, now: NOW });
      // Assess
      expect(report.runs.find((run) => run.runId === inProgress)).toMatchObject({ keep: true });
      expect(report.blobs.deleted).toEqual([]);
      expect(report.blobs.deferred).toContain(inProgress);
    } finally {
      await rm(join(directory, 'runs', inProgress), { recursive: true, force: true });
    }
  });

  it('keeps exactly the expected runs and never orphans a blob a kept run references', async () => {
    // Act
    const report = await pruneStore(store, { retention: { [POLICY]: RETENTION }, dryRun: false, now: NOW });
    // Assess: runs
    const remaining = (await store.children('runs/')).sort();
    const expected = [...expectedKept(runs.filter((run) => run !== manual)), manual.runId].sort();
    expect(remaining).toEqual(expected);
    expect(report.runs.find((run) => run.runId === manual.runId)).toMatchObject({
      policy: NO_POLICY,
      keep: true,
      reasons: ['no retention for this policy'],
    });
    // Assess: every blob a kept run references is there; no other blob is
    const referenced = new Set(
      runs.filter((run) => expected.includes(run.runId)).flatMap((run) => run.blobs),
    );
    for (const blob of referenced) expect(await store.size(blob)).toBeDefined();
    const blobs: string[] = [];
    for await (const key of store.list('blobs/')) blobs.push(key);
    expect(blobs.sort()).toEqual([...referenced].sort());
    expect(report.blobs.referenced).toBe(referenced.size);
    // Assess: a deleted run left nothing behind
    const deleted = report.deletedRuns[0] as string;
    const leftovers: string[] = [];
    for await (const key of store.list(`runs/${deleted}/`)) leftovers.push(key);
    expect(leftovers).toEqual([]);
  });

  it('is stable: pruning again the same day deletes nothing more', async () => {
    const report = await pruneStore(store, { retention: { [POLICY]: RETENTION }, dryRun: false, now: NOW });
    expect(report.deletedRuns).toEqual([]);
    expect(report.blobs.deleted).toEqual([]);
  });

  it('keeps young runs and abandoned-run rules apart', () => {
    // Prepare: 3 runs, two hours apart, and one incomplete run ten days old
    const base = NOW.getTime() - 6 * 3600_000;
    const young = [0, 1, 2].map((n) => ({
      runId: runIdAt(base + n * 7200_000, `young${n}`),
      complete: true,
    }));
    const abandoned = { runId: runIdAt(NOW.getTime() - 10 * DAY, 'aband0'), complete: false };
    // Act
    const decisions = decideRetention(
      [...young, abandoned],
      Retention.parse({ keepLast: 1, daily: 0, weekly: 0, monthly: 0, minAgeDays: 1 }),
      NOW,
    );
    // Assess
    expect(decisions.every((decision) => decision.runId === abandoned.runId || decision.keep)).toBe(true);
    expect(decisions.find((decision) => decision.runId === abandoned.runId)).toEqual({
      runId: abandoned.runId,
      keep: false,
      reasons: ['incomplete for more than 7 days'],
    });
  });
});
