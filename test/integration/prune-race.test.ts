import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Retention } from '../../schemas/policy.js';
import { pruneStore } from '../../src/policy/prune.js';
import { FileBackend } from '../../src/store/file-backend.js';
import { sha256Hex } from '../../src/store/hashing.js';
import { manifestKey, planKey } from '../../src/store/layout.js';
import { BackupStore, BLOB_PREFIX, blobKey } from '../../src/store/store.js';
import { runIdAt } from '../helpers/kinds.js';
import { storeSignedManifest, syntheticManifest } from '../helpers/manifests.js';

// Retention against a run that starts while it prunes, and against runs it cannot trust. Directory
// stores; signing on the emulator's KMS.
const NOW = new Date('2026-06-15T12:00:00Z');
const NONE = Retention.parse({ keepLast: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0, minAgeDays: 0 });
const POLICY = 'nightly';
const options = (retention = NONE) => ({ retention: { [POLICY]: retention }, dryRun: false, now: NOW });
const blob = (name: string) => blobKey(sha256Hex(name));
let directory: string;

/** A store whose blob listing lets `during` run first: a run starting between the two listings. */
function storeWith(root: string, during?: () => Promise<void>): BackupStore {
  const backend = new FileBackend(root);
  const list = backend.list.bind(backend);
  backend.list = async function* (prefix: string) {
    if (prefix === BLOB_PREFIX && during) await during();
    yield* list(prefix);
  };
  return new BackupStore(backend);
}

async function seed(store: BackupStore, runId: string, blobs: string[]) {
  await storeSignedManifest(store, syntheticManifest(runId, blobs, POLICY));
  for (const key of blobs) await store.putJson(key, key);
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-prune-race-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('prune and a run starting meanwhile', () => {
  it('deletes an unreferenced blob when no run starts (the control)', async () => {
    // Prepare
    const store = storeWith(join(directory, 'calm'));
    const old = runIdAt(new Date('2026-01-01T00:00:00Z'));
    await seed(store, old, [blob('shared')]);
    // Act
    const report = await pruneStore(store, options());
    // Assess
    expect(report.deletedRuns).toEqual([old]);
    expect(report.blobs.deleted).toEqual([blob('shared')]);
    expect(await store.size(blob('shared'))).toBeUndefined();
  });

  it('keeps every blob when a run starts between listing runs and listing blobs', async () => {
    // Prepare: the old run goes; a new run starts just as the blobs are listed (and would reuse one).
    const started = runIdAt(NOW);
    let store: BackupStore;
    store = storeWith(join(directory, 'race'), async () => {
      if ((await store.size(planKey(started))) === undefined) await store.putJson(planKey(started), {});
    });
    const old = runIdAt(new Date('2026-01-01T00:00:00Z'));
    await seed(store, old, [blob('shared')]);
    // Act
    const report = await pruneStore(store, options());
    // Assess
    expect(report.deletedRuns).toEqual([old]);
    expect(report.blobs.deleted).toEqual([]);
    expect(report.blobs.deferred).toMatch(new RegExp(`run ${started} started while pruning`));
    expect(await store.size(blob('shared'))).toBeGreaterThan(0);
  });
});

describe('prune and runs it cannot trust', () => {
  it('keeps an unsigned run and its blobs, and never counts it towards the newest N', async () => {
    // Prepare: two signed runs and a newer unsigned one (a forged "latest").
    const store = storeWith(join(directory, 'untrusted'));
    const older = runIdAt(new Date('2026-01-01T00:00:00Z'));
    const newer = runIdAt(new Date('2026-02-01T00:00:00Z'));
    const forged = runIdAt(new Date('2026-03-01T00:00:00Z'));
    await seed(store, older, [blob('older')]);
    await seed(store, newer, [blob('newer')]);
    await store.putJson(manifestKey(forged), syntheticManifest(forged, [blob('forged')], POLICY));
    await store.putJson(blob('forged'), 'forged');
    // Act
    const report = await pruneStore(store, options({ ...NONE, keepLast: 1 }));
    // Assess: the newest signed run is the one kept; the forged run is kept too, not counted.
    const verdict = (runId: string) => report.runs.find((run) => run.runId === runId);
    expect(verdict(newer)).toMatchObject({ keep: true, reasons: ['last 1'] });
    expect(verdict(forged)?.keep).toBe(true);
    expect(verdict(forged)?.reasons.join()).toMatch(/not signed/);
    expect(report.deletedRuns).toEqual([older]);
    expect(report.blobs.deleted).toEqual([blob('older')]);
    expect(await store.size(blob('forged'))).toBeGreaterThan(0);
  });
});
