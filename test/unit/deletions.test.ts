import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { KindName } from '../../schemas/common.js';
import { MANIFEST_FORMAT, type Manifest } from '../../schemas/manifest.js';
import { Retention } from '../../schemas/policy.js';
import type { IndexedFunction, RunIndex } from '../../schemas/run-index.js';
import type { ItemResult } from '../../schemas/work-item.js';
import { countDeletions, deletionThresholds, massDeletions } from '../../src/audit/deletions.js';
import { literalPrefix, partsForPrefix } from '../../src/audit/search-data.js';
import { deletionMetrics } from '../../src/metrics.js';
import { NO_POLICY, pruneStore } from '../../src/policy/prune.js';
import { openStore } from '../../src/store/open.js';
import { storeSignedManifest } from '../helpers/manifests.js';

// Two synthetic runs (no AWS requests): what the second no longer has is worked out by hand.
const R1 = 'eu-west-1';
const R2 = 'eu-west-2';
const RUN1 = '20261125T100000Z-aaaaaa';
const RUN2 = '20261126T100000Z-bbbbbb';

const item = (
  region: string,
  kind: KindName,
  name: string,
  counts?: Record<string, number>,
  extra: Partial<ItemResult> = {},
): ItemResult => ({
  region,
  kind,
  name,
  status: 'ok',
  artifacts: [{ role: 'data', path: `p/${region}/${name}`, sha256: '0'.repeat(64), bytes: 1, counts }],
  ...extra,
});

const fn = (region: string, name: string, triggers: string[], triggersCaptured = true): IndexedFunction => ({
  region,
  name,
  triggersCaptured,
  triggers: triggers.map((id) => ({
    type: 'event-source-mapping',
    id,
    source: `arn:aws:sqs:${region}:1:${id}`,
  })),
});

const index = (runId: string, functions: IndexedFunction[]): RunIndex => ({
  format: 1,
  runId,
  functions,
  sortedParts: [],
  unreadable: [],
});

function manifest(runId: string, regions: string[], include: KindName[], items: ItemResult[]): Manifest {
  return {
    format: MANIFEST_FORMAT,
    runId,
    status: 'succeeded',
    startedAt: `${runId.slice(0, 4)}-${runId.slice(4, 6)}-${runId.slice(6, 8)}T10:00:00.000Z`,
    finishedAt: `${runId.slice(0, 4)}-${runId.slice(4, 6)}-${runId.slice(6, 8)}T10:00:00.000Z`,
    regions,
    include,
    verified: { artifacts: 0, damaged: [] },
    totals: { items: items.length, failed: 0, artifacts: 0, bytes: 0 },
    items,
  };
}

const ALL: KindName[] = ['lambda-function', 's3-bucket', 'dynamodb-table', 'kinesis-stream'];

describe('countDeletions', () => {
  // Previous run: 4 functions in R1 (fn-a with 2 triggers), 1 in R2; a bucket of 10 objects, a table of
  // 20 items, a stream of 50 records, a second bucket of 5 objects.
  const previous = {
    manifest: manifest(RUN1, [R1, R2], ALL, [
      item(R1, 'lambda-function', 'fn-a'),
      item(R1, 'lambda-function', 'fn-b'),
      item(R1, 'lambda-function', 'fn-c'),
      item(R1, 'lambda-function', 'fn-d'),
      item(R2, 'lambda-function', 'fn-far'),
      item(R1, 's3-bucket', 'photos', { objects: 10 }),
      item(R1, 's3-bucket', 'logs', { objects: 5 }),
      item(R1, 'dynamodb-table', 'orders', { items: 20 }),
      item(R1, 'kinesis-stream', 'clicks', { records: 50 }),
    ]),
    index: index(RUN1, [
      fn(R1, 'fn-a', ['q1', 'q2']),
      fn(R1, 'fn-b', ['q3']),
      fn(R1, 'fn-c', ['q4']),
      fn(R1, 'fn-d', []),
      fn(R2, 'fn-far', ['q9']),
    ]),
  };
  // This run covers R1 only: fn-c is gone (with its trigger), fn-a lost q2, fn-d failed; 3 objects of
  // photos went (counted by the backup), logs is gone, orders has 2 fewer items, clicks 60 records.
  const current = {
    regions: [R1],
    include: ALL,
    items: [
      item(R1, 'lambda-function', 'fn-a'),
      item(R1, 'lambda-function', 'fn-b'),
      item(R1, 'lambda-function', 'fn-d', undefined, { status: 'failed', artifacts: [] }),
      item(
        R1,
        's3-bucket',
        'photos',
        { objects: 8 },
        {
          summary: { previousRun: RUN1, deleted: 3, deletedKeys: ['a.jpg', 'b.jpg', 'c.jpg'] },
        },
      ),
      item(R1, 'dynamodb-table', 'orders', { items: 18 }),
      item(R1, 'kinesis-stream', 'clicks', { records: 60 }),
    ],
    index: index(RUN2, [fn(R1, 'fn-a', ['q1']), fn(R1, 'fn-b', ['q3'])]),
  };

  it('counts each unit in the regions and kinds both runs covered, and names what went', () => {
    const report = countDeletions(previous, current, { share: 10, count: 0 });
    expect(report.previousRunId).toBe(RUN1);
    expect(report.units.functions).toEqual({
      previous: 4,
      deleted: 1,
      share: 25,
      names: [`${R1} fn-c`],
      exact: true,
    });
    // fn-d failed now: its trigger is not compared; fn-far is in a region this run did not cover.
    expect(report.units.triggers).toMatchObject({ previous: 4, deleted: 2, share: 50, exact: true });
    expect(report.units.triggers?.names).toEqual([
      `${R1} fn-a: event-source-mapping arn:aws:sqs:${R1}:1:q2`,
      `${R1} fn-c: event-source-mapping arn:aws:sqs:${R1}:1:q4`,
    ]);
    expect(report.units.objects).toEqual({
      previous: 15,
      deleted: 8,
      share: 53.33,
      names: [
        `${R1} photos/a.jpg`,
        `${R1} photos/b.jpg`,
        `${R1} photos/c.jpg`,
        `${R1} logs: all 5 objects (gone)`,
      ],
      exact: true,
    });
    expect(report.units.items).toEqual({
      previous: 20,
      deleted: 2,
      share: 10,
      names: [`${R1} orders: 2 fewer items`],
      exact: false,
    });
    expect(report.units.records).toMatchObject({ previous: 50, deleted: 0, share: 0 });
    expect(report.massDeletion).toEqual(['functions', 'triggers', 'objects', 'items']);
  });

  it('uses the drop of the count when the backup compared with another run', () => {
    const elsewhere = {
      ...current,
      items: current.items.map((entry) =>
        entry.name === 'photos' ? { ...entry, summary: { previousRun: 'someone-else', deleted: 3 } } : entry,
      ),
    };
    expect(countDeletions(previous, elsewhere).units.objects).toMatchObject({
      previous: 15,
      deleted: 7, // 10 → 8, and logs' 5
      exact: false,
    });
  });

  it('passes a threshold on the share or, when set, on the count', () => {
    const units = {
      objects: { previous: 1000, deleted: 99, share: 9.9, names: [], exact: true },
      items: { previous: 10, deleted: 1, share: 10, names: [], exact: false },
      records: { previous: 0, deleted: 0, share: 0, names: [], exact: false },
    };
    expect(massDeletions(units, { share: 10, count: 0 })).toEqual(['items']);
    expect(massDeletions(units, { share: 50, count: 99 })).toEqual(['objects']);
    expect(massDeletions(units, { share: 0, count: 0 })).toEqual(['objects', 'items']);
  });

  it('reads its thresholds from the deployment, defaulting to 10 % and no count', () => {
    expect(deletionThresholds({})).toEqual({ share: 10, count: 0 });
    expect(
      deletionThresholds({ TRIGGERVAULT_MASS_DELETION_SHARE: '25', TRIGGERVAULT_MASS_DELETION_COUNT: '500' }),
    ).toEqual({ share: 25, count: 500 });
    expect(() => deletionThresholds({ TRIGGERVAULT_MASS_DELETION_SHARE: 'lots' })).toThrow(/share/);
  });

  it('emits Deleted and DeletedShare per unit as EMF, dimension unit', () => {
    const report = countDeletions(previous, current, { share: 10, count: 0 });
    const emf = deletionMetrics(report, 'nightly').map((metrics) => metrics.serializeMetrics());
    const objects = emf.find((entry) => entry.unit === 'objects');
    expect(objects?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'unit']]);
    expect(objects).toMatchObject({ Deleted: 8, DeletedShare: 53.33, previousRunId: RUN1 });
    expect(emf.map((entry) => entry.unit).sort()).toEqual([
      'functions',
      'items',
      'objects',
      'records',
      'triggers',
    ]);
  });
});

describe('prune with retention.holdOnMassDeletion', () => {
  it('keeps every run while the newest recorded a mass deletion, and prunes once a run without one follows', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'tv-hold-'));
    try {
      const store = openStore(`file://${directory}`);
      const days = ['20261120T100000Z-aaaaaa', '20261121T100000Z-bbbbbb', '20261122T100000Z-cccccc'];
      const write = async (runId: string, massDeletion: ('objects' | 'functions')[]) =>
        storeSignedManifest(store, {
          ...manifest(runId, [R1], ALL, []),
          deletions: {
            previousRunId: days[0] as string,
            units: {},
            thresholds: { share: 10, count: 0 },
            massDeletion,
          },
        });
      await write(days[0] as string, []);
      await write(days[1] as string, []);
      await write(days[2] as string, ['objects']);
      const retention = (hold: boolean) => ({
        [NO_POLICY]: Retention.parse({
          keepLast: 1,
          daily: 0,
          weekly: 0,
          monthly: 0,
          minAgeDays: 0,
          holdOnMassDeletion: hold,
        }),
      });
      const now = new Date('2026-12-01T00:00:00Z');
      const held = await pruneStore(store, { retention: retention(true), dryRun: true, now });
      expect(held.deletedRuns).toEqual([]);
      expect(held.runs.map((run) => run.reasons)).toEqual(
        days.map(() => [`held: run ${days[2]} recorded a mass deletion of objects`]),
      );
      expect(
        (await pruneStore(store, { retention: retention(false), dryRun: true, now })).deletedRuns,
      ).toEqual(days.slice(0, 2));
      await write('20261123T100000Z-dddddd', []);
      expect(
        (await pruneStore(store, { retention: retention(true), dryRun: true, now })).deletedRuns,
      ).toEqual(days);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('find reads only the objects-index parts that can hold the pattern', () => {
  const parts = [
    { first: 'a' },
    { first: 'img/001' },
    { first: 'img/500' },
    { first: 'logs/1' },
    { first: 'z' },
  ];
  it.each([
    ['img/7*', ['img/500']],
    ['img/*', ['a', 'img/001', 'img/500']],
    ['img/001', ['img/001']],
    ['logs/0*', ['img/500']],
    ['b*', ['a']],
    ['zz', ['z']],
    ['*.jpg', ['a', 'img/001', 'img/500', 'logs/1', 'z']],
  ])('%s → %j', (pattern, expected) => {
    expect(partsForPrefix(parts, literalPrefix(pattern)).map((part) => part.first)).toEqual(expected);
  });
});
