import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Manifest } from '../../../schemas/manifest.js';
import { expectedPicture, livePicture } from '../../../src/kinds/lambda-function/compare.js';
import type { FunctionSnapshot } from '../../../src/kinds/lambda-function/format.js';
import { loadFunctionSnapshot } from '../../../src/kinds/lambda-function/format.js';
import { runStateMachineLocally } from '../../../src/local/runner.js';
import { type SeededRegion, seedRegion } from '../../../src/local/seed.js';
import { mapperOfRestore } from '../../../src/restore/mapper.js';
import type { RestoreReport } from '../../../src/restore/report.js';
import { RunCatalog } from '../../../src/store/catalog.js';
import { openStore } from '../../../src/store/open.js';
import type { BackupStore } from '../../../src/store/store.js';
import { deleteBucket, runRestore } from '../../helpers/restore.js';

// Two regions used by no other test file: the app lives in SOURCE and is restored into TARGET.
const SOURCE = 'ap-southeast-5';
const TARGET = 'mx-central-1';
let directory: string;
let store: BackupStore;
let scratch: BackupStore;
let runId: string;
let seeded: SeededRegion;
let manifest: Manifest;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-restore-x-'));
  store = openStore(`file://${directory}/store`);
  scratch = openStore(`file://${directory}/scratch`);
  seeded = await seedRegion(SOURCE, { items: 3, objects: 1, records: 3 });
  // Every kind (the default): the functions, and what they are wired to or use.
  const { summary } = await runStateMachineLocally('backup.asl.yaml', {
    store: store.url,
    regions: [SOURCE],
  });
  expect({ status: summary.status, failed: summary.failed }).toEqual({ status: 'succeeded', failed: [] });
  runId = summary.runId;
  manifest = (await new RunCatalog(store).manifest(runId)) as Manifest;
  // The region is lost. Bucket names are global: the bucket must be gone for the restore to create it in TARGET.
  await deleteBucket(SOURCE, seeded.bucket);
}, 240_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('cross-region restore (--target-region)', () => {
  it('backs up what the functions are wired to or use: queue, topic, APIs, role, table, bucket, stream', () => {
    // Assess
    const backedUp = manifest.items.filter((item) => item.kind !== 'lambda-function');
    expect(Object.fromEntries(backedUp.map((item) => [item.kind, item.name]))).toEqual({
      'sqs-queue': 'order-jobs',
      'sns-topic': 'order-events',
      'apigateway-rest-api': seeded.restApiId,
      'apigateway-http-api': seeded.httpApiId,
      'iam-role': 'triggervault-demo-app',
      'dynamodb-table': seeded.table,
      's3-bucket': seeded.bucket,
      'kinesis-stream': seeded.stream,
    });
    expect(manifest.items.every((item) => item.status === 'ok')).toBe(true);
  });

  it('restores into an empty region: every function back, every trigger wired, none blocked, ARNs mapped', async () => {
    // Act
    const summary = await runRestore({
      store: store.url,
      run: runId,
      regions: [SOURCE],
      targetRegion: TARGET,
    });
    // Assess
    expect(summary.problems).toEqual([]);
    expect(summary.status).toBe('restored');
    const report = (await store.getJson(summary.report)) as RestoreReport;
    const actions = report.items.flatMap((item) => item.changes.map((change) => change.action));
    expect(actions).not.toContain('blocked');
    // Sources first, tier by tier: what the triggers need was created in TARGET.
    const created = (kind: string) => report.items.find((item) => item.kind === kind)?.action;
    for (const kind of [
      'sqs-queue',
      'sns-topic',
      'apigateway-rest-api',
      'apigateway-http-api',
      'kinesis-stream',
    ])
      expect({ kind, action: created(kind) }).toEqual({ kind, action: 'create' });
    // The role is global: it is there already, unchanged.
    expect(created('iam-role')).toBe('unchanged');
    const mapper = await mapperOfRestore(store, runId, summary.restoreId, SOURCE);
    expect(mapper.spec.apiIds[seeded.restApiId]).toMatch(/^[a-z0-9]+$/);
    expect(mapper.spec.apiIds[seeded.restApiId]).not.toBe(seeded.restApiId);
    let triggers = 0;
    for (const name of seeded.functions) {
      const original: FunctionSnapshot = await loadFunctionSnapshot(store, runId, SOURCE, name);
      const picture = await livePicture(scratch, TARGET, name);
      expect({ name, picture }).toEqual({ name, picture: expectedPicture(original, mapper) });
      expect(JSON.stringify(picture)).not.toContain(`:${SOURCE}:`); // no ARN left in the source region
      triggers += picture.triggers.length;
    }
    expect(triggers).toBe(9);
  }, 240_000);

  it('refuses a target region for more than one source region (bad input)', async () => {
    // Act
    const run = runRestore({ store: store.url, run: runId, regions: [SOURCE, TARGET], targetRegion: TARGET });
    // Assess
    await expect(run).rejects.toThrow(/regions/);
  });
});
