import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KindName } from '../../schemas/common.js';
import { MANIFEST_FORMAT, type Manifest } from '../../schemas/manifest.js';
import type { ItemResult } from '../../schemas/work-item.js';
import { AsOfFlag, parsePointInTime, RestoreFlags } from '../../src/cli/flags.js';
import { InputValidationError } from '../../src/errors.js';
import { pointInTimeOf } from '../../src/restore/sources.js';
import { holdingsOf, RunCatalog } from '../../src/store/catalog.js';
import { openStore } from '../../src/store/open.js';
import type { BackupStore } from '../../src/store/store.js';
import { storeSignedManifest } from '../helpers/manifests.js';

// Synthetic runs in a directory store (no AWS requests): the catalog's point-in-time answer is
// worked out by hand for each case below.
const R1 = 'eu-west-1';
const R2 = 'eu-west-2';

const item = (region: string, kind: KindName, name: string, status: 'ok' | 'failed' = 'ok', units = 0) =>
  ({
    region,
    kind,
    name,
    status,
    artifacts: [
      {
        role: 'data',
        path: `runs/x/${region}/${name}`,
        sha256: '0'.repeat(64),
        bytes: 1,
        ...(units ? { counts: { items: units } } : {}),
      },
    ],
  }) satisfies ItemResult;

function manifest(
  runId: string,
  startedAt: string,
  regions: string[],
  include: KindName[],
  items: ItemResult[],
  policy?: string,
): Manifest {
  return {
    format: MANIFEST_FORMAT,
    runId,
    status: items.some((entry) => entry.status === 'failed') ? 'partial' : 'succeeded',
    startedAt,
    finishedAt: startedAt,
    regions,
    include,
    verified: { artifacts: items.length, damaged: [] },
    totals: { items: items.length, failed: 0, artifacts: items.length, bytes: items.length },
    items,
    policy: policy ? { name: policy } : undefined,
  };
}

// run1 (10:00): both regions, functions and tables. run2 (11:00): R1 functions only, fn-a failed.
// run3 (12:00:00.700): R1 functions only, fn-b gone. run4 (13:00) has no manifest (still writing).
const RUN1 = '20261125T100000Z-aaaaaa';
const RUN2 = '20261125T110000Z-bbbbbb';
const RUN3 = '20261125T120000Z-cccccc';
const RUN4 = '20261125T130000Z-dddddd';
let directory: string;
let store: BackupStore;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-pit-'));
  store = openStore(`file://${directory}`);
  const runs = [
    manifest(
      RUN1,
      '2026-11-25T10:00:00.000Z',
      [R1, R2],
      ['lambda-function', 'dynamodb-table'],
      [
        item(R1, 'lambda-function', 'fn-a'),
        item(R1, 'lambda-function', 'fn-b'),
        item(R1, 'dynamodb-table', 'orders', 'ok', 3),
        item(R2, 'lambda-function', 'fn-c'),
      ],
    ),
    manifest(
      RUN2,
      '2026-11-25T11:00:00.000Z',
      [R1],
      ['lambda-function'],
      [item(R1, 'lambda-function', 'fn-a', 'failed'), item(R1, 'lambda-function', 'fn-b')],
    ),
    manifest(
      RUN3,
      '2026-11-25T12:00:00.700Z',
      [R1],
      ['lambda-function'],
      [item(R1, 'lambda-function', 'fn-a')],
      'nightly',
    ),
  ];
  for (const run of runs) await storeSignedManifest(store, run);
  await store.putJson(`runs/${RUN4}/plan.json`, { runId: RUN4 });
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const picked = async (asOf: string, options: { regions?: string[]; policy?: string | null } = {}) => {
  const picture = await new RunCatalog(store).pointInTime({ asOf: new Date(asOf), ...options });
  return picture?.resources.map((resource) => [
    `${resource.region} ${resource.kind} ${resource.name}`,
    resource.runId ?? null,
  ]);
};

describe('RunCatalog.pointInTime', () => {
  it('takes each resource from the newest run at or before the time that holds it ok', async () => {
    expect(await picked('2026-11-25T11:30:00Z')).toEqual([
      [`${R1} dynamodb-table orders`, RUN1], // run2 did not include tables
      [`${R1} lambda-function fn-a`, RUN1], // failed in run2: the run before holds it
      [`${R1} lambda-function fn-b`, RUN2],
      [`${R2} lambda-function fn-c`, RUN1], // run2 did not cover R2
    ]);
  });

  it('counts a run at the very time it started, not one that started a moment later', async () => {
    expect(await picked('2026-11-25T11:00:00.000Z')).toContainEqual([`${R1} lambda-function fn-b`, RUN2]);
    // run3 started at 12:00:00.700: its id says 12:00:00, its manifest's startedAt decides.
    const before = await picked('2026-11-25T12:00:00.500Z');
    expect(before).toContainEqual([`${R1} lambda-function fn-b`, RUN2]);
    expect(await picked('2026-11-25T12:00:00.700Z')).toEqual([
      [`${R1} dynamodb-table orders`, RUN1],
      [`${R1} lambda-function fn-a`, RUN3],
      // fn-b: run3 covered R1's functions and no longer lists it, so it was gone by then.
      [`${R2} lambda-function fn-c`, RUN1],
    ]);
  });

  it('ignores a run without a manifest, and can keep to one policy', async () => {
    const picture = await new RunCatalog(store).pointInTime({ asOf: new Date('2026-11-26T00:00:00Z') });
    expect(picture?.latest.runId).toBe(RUN3);
    expect(await picked('2026-11-26T00:00:00Z', { policy: null })).toContainEqual([
      `${R1} lambda-function fn-b`,
      RUN2,
    ]);
  });

  it('leaves a resource without a run when every run that holds it failed it', async () => {
    const failing = manifest(
      '20261124T090000Z-eeeeee',
      '2026-11-24T09:00:00.000Z',
      [R1],
      ['lambda-function'],
      [item(R1, 'lambda-function', 'fn-z', 'failed')],
    );
    const other = await mkdtemp(join(tmpdir(), 'tv-pit-'));
    try {
      const alone = openStore(`file://${other}`);
      await storeSignedManifest(alone, failing);
      const picture = await new RunCatalog(alone).pointInTime({ asOf: new Date('2026-11-25T00:00:00Z') });
      expect(
        picture?.resources.map((resource) => [resource.name, resource.runId, resource.listedIn]),
      ).toEqual([['fn-z', undefined, failing.runId]]);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('reads only as many manifests as the regions asked for need', async () => {
    const picture = await new RunCatalog(store).pointInTime({
      asOf: new Date('2026-11-26T00:00:00Z'),
      regions: [R1],
      kinds: ['lambda-function'],
    });
    expect(picture?.regions).toEqual([R1]);
    expect(picture?.manifestsRead).toBe(1);
    expect(picture?.resources.map((resource) => resource.name)).toEqual(['fn-a']);
  });

  it('names the flag when the time is before the first complete run', async () => {
    const attempt = pointInTimeOf(store, new Date('2026-11-25T09:59:59Z'), '--as-of');
    await expect(attempt).rejects.toThrow(InputValidationError);
    await expect(attempt).rejects.toThrow(
      `--as-of: 2026-11-25T09:59:59.000Z is before the first complete run in ${store.url} (the oldest run is ${RUN1})`,
    );
  });

  it('says what each run holds: regions, kinds and counts', async () => {
    const run1 = (await new RunCatalog(store).list()).find((run) => run.runId === RUN1);
    expect(run1?.holds?.regions).toEqual([R1, R2]);
    expect(run1?.holds?.kinds).toEqual(['lambda-function', 'dynamodb-table']);
    expect(run1?.holds?.holdings).toEqual([
      { region: R1, kind: 'dynamodb-table', resources: 1, failed: 0, units: { items: 3 } },
      { region: R1, kind: 'lambda-function', resources: 2, failed: 0, units: {} },
      { region: R2, kind: 'lambda-function', resources: 1, failed: 0, units: {} },
    ]);
    const run2 = await new RunCatalog(store).manifest(RUN2);
    expect(holdingsOf(run2 as Manifest).holdings[0]).toMatchObject({ resources: 2, failed: 1 });
  });
});

describe('--as-of', () => {
  const now = new Date('2026-11-25T14:00:00Z');

  it.each([
    ['2026-11-25T12:00:00Z', '2026-11-25T12:00:00.000Z'],
    ['2026-11-25T13:00:00+01:00', '2026-11-25T12:00:00.000Z'],
    ['90m', '2026-11-25T12:30:00.000Z'],
    ['2h', '2026-11-25T12:00:00.000Z'],
    ['2 hours ago', '2026-11-25T12:00:00.000Z'],
    ['1d', '2026-11-24T14:00:00.000Z'],
    ['1w', '2026-11-18T14:00:00.000Z'],
    ['30s', '2026-11-25T13:59:30.000Z'],
    ['now', '2026-11-25T14:00:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parsePointInTime(text, now)?.toISOString()).toBe(iso);
  });

  it.each(['yesterday', '2026-11-25', '2026-11-25T12:00:00', '-2h', '2y'])('refuses %s', (text) => {
    expect(parsePointInTime(text, now)).toBeUndefined();
    expect(AsOfFlag.safeParse(text).success).toBe(false);
  });

  it('is an alternative to --run, never both, and one of them is needed', () => {
    const issues = (flags: Record<string, unknown>) =>
      RestoreFlags.safeParse({ bucket: 'b', ...flags }).error?.issues.map((issue) => [
        issue.path.join('.'),
        issue.message,
      ]);
    expect(issues({ asOf: '2h' })).toBeUndefined();
    expect(issues({ run: RUN1 })).toBeUndefined();
    expect(issues({ run: RUN1, asOf: '2h' })).toEqual([['asOf', '--as-of cannot be combined with --run']]);
    expect(issues({})).toEqual([['run', 'give --run RUN or --as-of TIME']]);
    expect(issues({ asOf: 'yesterday' })?.[0]?.[0]).toBe('asOf');
  });
});
