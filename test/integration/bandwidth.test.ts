import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { client } from '../../src/aws/clients.js';
import type { RunSummary } from '../../src/backup/finalize.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import { BandwidthPool, bandwidthLimiter, type Clock, shareBandwidth } from '../../src/store/bandwidth.js';
import { FileBackend } from '../../src/store/file-backend.js';
import { openStore } from '../../src/store/open.js';
import { S3Backend } from '../../src/store/s3-backend.js';
import type { BackupStore, WriteOptions } from '../../src/store/store.js';
import { unique } from '../helpers/aws.js';
import { objectsOf } from '../helpers/data.js';
import { s3Store } from '../helpers/kinds.js';
import { deleteBucket, runRestore } from '../helpers/restore.js';

// `--max-bandwidth` through the real state machines, handlers and store code against moto: a bucket
// is backed up and restored with and without a cap, in a region of this file's own
// (test/helpers/region-claims.ts).
const REGION = 'us-isob-east-1';
const CAP = 16 * 1024;
const s3 = client(S3Client, REGION);
const bucket = unique('tv-bw-objects');
const objects = Array.from({ length: 3 }, (_, index) => ({
  key: `data/part-${index}.bin`,
  body: randomBytes(40 * 1024 + index),
}));
const DATA_BYTES = objects.reduce((sum, object) => sum + object.body.length, 0);

/** Sleeps are recorded and return at once: the test asserts on what the limiter asked for, never waits. */
class RecordingClock implements Clock {
  time = 0;
  slept = 0;
  now = (): number => this.time;
  sleep = async (ms: number): Promise<void> => {
    this.slept += ms;
    this.time += ms;
  };
}

/**
 * Bytes the store backends move (read or write) while the calling invocation is capped: what the
 * limiter must have been asked for, counted independently of it at the backend boundary.
 */
const moved = { capped: 0 };
const counting = (stream: Readable, capped: boolean): Readable => {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (capped) moved.capped += chunk.length;
      callback(null, chunk);
    },
  });
  stream.on('error', (error) => counter.destroy(error));
  return stream.pipe(counter);
};

function countBackendBytes(backend: typeof FileBackend | typeof S3Backend) {
  const { read, write } = backend.prototype;
  jest.spyOn(backend.prototype, 'read').mockImplementation(async function (
    this: FileBackend & S3Backend,
    key: string,
  ) {
    const capped = bandwidthLimiter() !== undefined;
    const body = await read.call(this, key);
    return body && counting(body, capped);
  });
  jest.spyOn(backend.prototype, 'write').mockImplementation(function (
    this: FileBackend & S3Backend,
    key: string,
    body: Readable,
    options?: WriteOptions,
  ) {
    return write.call(this, key, counting(body, bandwidthLimiter() !== undefined), options);
  });
}

let directory: string;
const stores: Record<'uncapped' | 'capped', { store: BackupStore; runId?: string }> = {} as never;

async function backup(store: BackupStore, pool: BandwidthPool, maxBandwidth?: number): Promise<RunSummary> {
  const { summary } = await shareBandwidth(pool, () =>
    runStateMachineLocally('backup.asl.yaml', {
      store: store.url,
      regions: [REGION],
      include: ['s3-bucket'],
      buckets: [bucket],
      ...(maxBandwidth ? { maxBandwidth } : {}),
    }),
  );
  expect(summary.failed).toEqual([]);
  expect(summary.status).toBe('succeeded');
  return summary;
}

async function seedBucket(): Promise<void> {
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      CreateBucketConfiguration: { LocationConstraint: REGION as BucketLocationConstraint },
    }),
  );
  for (const object of objects)
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body }));
}

async function expectObjectsRestored(): Promise<void> {
  const restored = await objectsOf(REGION, bucket);
  expect(restored.map((object) => [object.key, object.body])).toEqual(
    objects.map((object) => [object.key, object.body]),
  );
}

beforeAll(async () => {
  countBackendBytes(FileBackend);
  countBackendBytes(S3Backend);
  directory = await mkdtemp(join(tmpdir(), 'tv-bandwidth-'));
  stores.uncapped = { store: openStore(`file://${join(directory, 'uncapped')}`) };
  stores.capped = { store: openStore(`file://${join(directory, 'capped')}`) };
  await seedBucket();
});
afterAll(async () => {
  jest.restoreAllMocks();
  await rm(directory, { recursive: true, force: true });
});
beforeEach(() => {
  moved.capped = 0;
});

describe('--max-bandwidth', () => {
  it('a backup without a cap paces nothing', async () => {
    // Prepare
    const clock = new RecordingClock();
    const pool = new BandwidthPool(clock);
    // Act
    const summary = await backup(stores.uncapped.store, pool);
    stores.uncapped.runId = summary.runId;
    // Assess
    expect(pool.limiters.size).toBe(0);
    expect(moved.capped).toBe(0);
    expect(clock.slept).toBe(0);
  });

  it('a capped backup into a file store takes every byte its items and Verify move from one shared limiter', async () => {
    // Prepare
    const clock = new RecordingClock();
    const pool = new BandwidthPool(clock);
    // Act
    const summary = await backup(stores.capped.store, pool, CAP);
    stores.capped.runId = summary.runId;
    // Assess: the objects' bytes were written to the store under the cap, and nothing went around it.
    expect([...pool.limiters.keys()]).toEqual([CAP]);
    const limiter = pool.limiters.get(CAP);
    expect(moved.capped).toBeGreaterThanOrEqual(DATA_BYTES);
    expect(limiter?.bytes).toBe(moved.capped);
    expect(clock.slept).toBeGreaterThan(0);
  });

  it('a capped restore from the file store takes every byte it reads and uploads into the bucket from the limiter', async () => {
    // Prepare
    await deleteBucket(REGION, bucket);
    const clock = new RecordingClock();
    const pool = new BandwidthPool(clock);
    // Act
    const summary = await shareBandwidth(pool, () =>
      runRestore({
        store: stores.capped.store.url,
        run: stores.capped.runId,
        regions: [REGION],
        maxBandwidth: '16KiB/s',
      }),
    );
    // Assess: the uploads' bytes are the store reads' bytes, taken once (not once more for the upload).
    expect(summary.status).toBe('restored');
    await expectObjectsRestored();
    expect([...pool.limiters.keys()]).toEqual([CAP]);
    expect(moved.capped).toBeGreaterThanOrEqual(DATA_BYTES);
    expect(pool.limiters.get(CAP)?.bytes).toBe(moved.capped);
    expect(clock.slept).toBeGreaterThan(0);
  });

  it('a restore without a cap paces nothing', async () => {
    // Prepare
    await deleteBucket(REGION, bucket);
    const clock = new RecordingClock();
    const pool = new BandwidthPool(clock);
    // Act
    const summary = await shareBandwidth(pool, () =>
      runRestore({ store: stores.uncapped.store.url, run: stores.uncapped.runId, regions: [REGION] }),
    );
    // Assess
    expect(summary.status).toBe('restored');
    await expectObjectsRestored();
    expect(pool.limiters.size).toBe(0);
    expect(moved.capped).toBe(0);
    expect(clock.slept).toBe(0);
  });

  it('a capped backup into an S3 store does not pace the server-side copies of the objects', async () => {
    // Prepare
    const { store } = await s3Store('bandwidth');
    const pool = new BandwidthPool(new RecordingClock());
    // Act
    await backup(store, pool, CAP);
    // Assess: what the store moved through the process (documents, index) was paced; the objects
    // went by CopyObject inside S3 and were not counted.
    const limiter = pool.limiters.get(CAP);
    expect(limiter?.bytes).toBe(moved.capped);
    expect(moved.capped).toBeGreaterThan(0);
    expect(moved.capped).toBeLessThan(DATA_BYTES);
  });
});
