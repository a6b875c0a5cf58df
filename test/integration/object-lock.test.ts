import {
  CreateBucketCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { Retention } from '../../schemas/policy.js';
import { client } from '../../src/aws/clients.js';
import { pruneStore } from '../../src/policy/prune.js';
import { sha256Hex } from '../../src/store/hashing.js';
import { manifestKey } from '../../src/store/layout.js';
import { openStore } from '../../src/store/open.js';
import { type BackupStore, blobKey } from '../../src/store/store.js';
import { unique } from '../helpers/aws.js';
import { storeSignedManifest, syntheticManifest } from '../helpers/manifests.js';

// S3 Object Lock on the emulator: a versioned bucket whose DeleteObject on a locked object only adds
// a delete marker, so retention has to ask before deleting, and must keep what the lock retains.
const s3 = client(S3Client, 'us-east-1');
const bucket = unique('tv-locked');
const NONE = Retention.parse({ keepLast: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0, minAgeDays: 0 });
const runA = '20250101T020000Z-aaaaaa';
const runB = '20250102T020000Z-bbbbbb';
const blob = (name: string) => blobKey(sha256Hex(name));
let store: BackupStore;

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  store = openStore(`s3://${bucket}`);
  await storeSignedManifest(store, syntheticManifest(runA, [blob('a')], 'locked'));
  await storeSignedManifest(store, syntheticManifest(runB, [blob('b')], 'locked'));
  for (const name of ['a', 'b', 'stray']) await store.putJson(blob(name), name);
  const until = new Date(Date.now() + 86_400_000);
  await s3.send(
    new PutObjectRetentionCommand({
      Bucket: bucket,
      Key: manifestKey(runA),
      Retention: { Mode: 'GOVERNANCE', RetainUntilDate: until },
    }),
  );
  await s3.send(
    new PutObjectLegalHoldCommand({ Bucket: bucket, Key: blob('stray'), LegalHold: { Status: 'ON' } }),
  );
});

describe('retention respects S3 Object Lock', () => {
  it('keeps a run whose manifest is retained and a blob under legal hold; deletes the rest', async () => {
    // Act
    const dry = await pruneStore(store, { retention: { locked: NONE }, dryRun: true });
    const report = await pruneStore(store, { retention: { locked: NONE }, dryRun: false });
    // Assess
    expect(dry.deletedRuns).toEqual([runB]);
    expect(report.deletedRuns).toEqual([runB]);
    const a = report.runs.find((run) => run.runId === runA);
    expect(a).toMatchObject({ keep: true, locked: expect.stringMatching(/^governance until /) });
    expect(report.blobs.deleted).toEqual([blob('b')]);
    expect(report.blobs.locked).toEqual([{ key: blob('stray'), reason: 'legal hold' }]);
    expect(await store.size(manifestKey(runA))).toBeDefined();
    expect(await store.size(blob('a'))).toBeDefined();
    expect(await store.size(manifestKey(runB))).toBeUndefined();
    expect(await store.size(blob('b'))).toBeUndefined();
    expect(await store.size(blob('stray'))).toBeDefined();
  });
});
