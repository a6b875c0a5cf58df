import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectedPicture, livePicture } from '../../../src/kinds/lambda-function/compare.js';
import type { FunctionSnapshot } from '../../../src/kinds/lambda-function/format.js';
import { loadFunctionSnapshot } from '../../../src/kinds/lambda-function/format.js';
import { runStateMachineLocally } from '../../../src/local/runner.js';
import { type SeededRegion, seedRegion, seedSources } from '../../../src/local/seed.js';
import { mapperOfRestore } from '../../../src/restore/mapper.js';
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

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-restore-x-'));
  store = openStore(`file://${directory}/store`);
  scratch = openStore(`file://${directory}/scratch`);
  seeded = await seedRegion(SOURCE, { items: 3, objects: 1, records: 3 });
  const { summary } = await runStateMachineLocally('backup.asl.yaml', {
    store: store.url,
    regions: [SOURCE],
    include: ['lambda-function'],
  });
  expect(summary.status).toBe('succeeded');
  runId = summary.runId;
  // The sources as a data restore (or IaC) leaves them in TARGET. Bucket names are global and S3
  // notifies functions of the bucket's own region only, so the bucket moves to TARGET.
  await deleteBucket(SOURCE, seeded.bucket);
  await seedSources(TARGET, { items: 1, objects: 1, records: 1, bucket: seeded.bucket });
}, 240_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('cross-region restore (--target-region)', () => {
  it('re-creates every function in the target region, ARNs mapped, triggers wired to the target sources', async () => {
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
    const mapper = await mapperOfRestore(store, runId, summary.restoreId, SOURCE);
    let triggers = 0;
    for (const name of seeded.functions) {
      const original: FunctionSnapshot = await loadFunctionSnapshot(store, runId, SOURCE, name);
      const picture = await livePicture(scratch, TARGET, name);
      expect({ name, picture }).toEqual({ name, picture: expectedPicture(original, mapper) });
      expect(JSON.stringify(picture)).not.toContain(`:${SOURCE}:`); // no ARN left in the source region
      triggers += picture.triggers.length;
    }
    expect(triggers).toBe(9);
  });

  it('refuses a target region for more than one source region (bad input)', async () => {
    // Act
    const run = runRestore({ store: store.url, run: runId, regions: [SOURCE, TARGET], targetRegion: TARGET });
    // Assess
    await expect(run).rejects.toThrow(/regions/);
  });
});
