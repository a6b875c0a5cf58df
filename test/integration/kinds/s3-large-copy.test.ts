import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  type UploadPartCopyCommandInput,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import type { BackupCursor, ObjectEntry } from '../../../src/kinds/s3-bucket/format.js';
import { s3Bucket } from '../../../src/kinds/s3-bucket/index.js';
import { backupToEnd, readParts, runIdAt, s3Store } from '../../helpers/kinds.js';

// An object above the single-copy limit (5 GB in AWS; 8 MB here) is copied in parts across steps:
// each step copies what fits before its deadline, saves the upload id and the copied parts, and the
// next step (or a retry after a crash) continues the same upload from the last saved part.

const REGION = 'us-gov-west-1';
const source = client(S3Client, REGION);
const storeClient = client(S3Client, 'us-east-1');
const PART = 5 * 1024 * 1024;

afterEach(() => {
  delete process.env.TRIGGERVAULT_S3_MULTIPART_COPY_BYTES;
  delete process.env.TRIGGERVAULT_S3_COPY_PART_BYTES;
  delete process.env.TRIGGERVAULT_S3_COPY_PARTS_IN_FLIGHT;
});

async function bigObjectBucket(bytes: Buffer): Promise<string> {
  const bucket = `tv-large-${randomBytes(4).toString('hex')}`;
  await source.send(
    new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  await source.send(new PutObjectCommand({ Bucket: bucket, Key: 'big.bin', Body: bytes }));
  return bucket;
}

/** The part numbers of every UploadPartCopy the store client sends while `work` runs. */
async function partsCopied<T>(work: () => Promise<T>): Promise<{ result: T; parts: number[] }> {
  const parts: number[] = [];
  storeClient.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'UploadPartCopyCommand')
        parts.push((args.input as UploadPartCopyCommandInput).PartNumber as number);
      return next(args);
    },
    { step: 'initialize', name: 'countParts' },
  );
  try {
    return { result: await work(), parts };
  } finally {
    storeClient.middlewareStack.remove('countParts');
  }
}

describe('an object above the single-copy limit', () => {
  it('is copied over several steps, each continuing the same upload from its last copied part', async () => {
    // Prepare: 5 parts of 5 MB (the last one shorter), one part per wave, no time left in any step
    const body = randomBytes(4 * PART + 1234);
    const bucket = await bigObjectBucket(body);
    const { store, bucket: storeBucket } = await s3Store();
    process.env.TRIGGERVAULT_S3_MULTIPART_COPY_BYTES = String(8 * 1024 * 1024);
    process.env.TRIGGERVAULT_S3_COPY_PART_BYTES = String(PART);
    process.env.TRIGGERVAULT_S3_COPY_PARTS_IN_FLIGHT = '1';
    // Act
    const { result: run, parts } = await partsCopied(() =>
      backupToEnd(
        s3Bucket,
        { store, runId: runIdAt(), region: REGION, name: bucket },
        { deadline: () => Date.now() },
      ),
    );
    // Assess: one part per step, each part copied once, all in one upload
    const cursors = run.steps.slice(0, -1).map((step) => step.cursor as BackupCursor);
    expect(cursors.map((cursor) => cursor.largeCopies?.[0]?.partsDone)).toEqual([1, 2, 3, 4]);
    expect(new Set(cursors.map((cursor) => cursor.largeCopies?.[0]?.uploadId)).size).toBe(1);
    expect(parts).toEqual([1, 2, 3, 4, 5]);
    const [entry] = (await readParts(store, run.artifacts, 'objects-index')) as ObjectEntry[];
    const copy = await storeClient.send(new GetObjectCommand({ Bucket: storeBucket, Key: entry?.storedAt }));
    expect(
      Buffer.from(
        await (copy.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      ).equals(body),
    ).toBe(true);
  });

  it('resumes from the saved parts when a step died before answering its cursor', async () => {
    // Prepare: step A copies part 1 and answers cursor A; step B copies part 2 and then "dies"
    const body = randomBytes(4 * PART + 99);
    const bucket = await bigObjectBucket(body);
    const { store, bucket: storeBucket } = await s3Store();
    process.env.TRIGGERVAULT_S3_MULTIPART_COPY_BYTES = String(8 * 1024 * 1024);
    process.env.TRIGGERVAULT_S3_COPY_PART_BYTES = String(PART);
    process.env.TRIGGERVAULT_S3_COPY_PARTS_IN_FLIGHT = '1';
    const item = { store, runId: runIdAt(), region: REGION, name: bucket };
    const [cursorA] = await backupCursors(item, 1);
    await backupCursors({ ...item, cursor: cursorA }, 1);
    // Act: the retry starts again from cursor A (B's cursor was never returned to the state machine)
    const { result: run, parts } = await partsCopied(() =>
      backupToEnd(s3Bucket, { ...item, cursor: cursorA }),
    );
    // Assess: only the parts after the last saved one were copied again, into the same upload
    expect(cursorA?.largeCopies?.[0]?.partsDone).toBe(1);
    expect(parts).toEqual([3, 4, 5]);
    const [entry] = (await readParts(store, run.artifacts, 'objects-index')) as ObjectEntry[];
    const copy = await storeClient.send(new GetObjectCommand({ Bucket: storeBucket, Key: entry?.storedAt }));
    expect(
      Buffer.from(
        await (copy.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      ).equals(body),
    ).toBe(true);
  });
});

/** Runs `steps` steps with no time left (one wave each) and returns their cursors. */
async function backupCursors(
  item: Parameters<typeof backupToEnd>[1],
  steps: number,
): Promise<BackupCursor[]> {
  const cursors: BackupCursor[] = [];
  let cursor = item.cursor;
  for (let index = 0; index < steps; index += 1) {
    const step = await s3Bucket.backup(
      {
        runId: item.runId,
        store: item.store.url,
        region: item.region,
        kind: 's3-bucket',
        name: item.name,
        cursor,
      },
      { store: item.store, runId: item.runId, deadline: Date.now() },
    );
    cursor = JSON.parse(JSON.stringify(step.cursor));
    cursors.push(cursor as BackupCursor);
  }
  return cursors;
}
