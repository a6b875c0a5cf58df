import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketCorsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import type { Manifest } from '../../../schemas/manifest.js';
import type { Artifact } from '../../../schemas/work-item.js';
import { client } from '../../../src/aws/clients.js';
import type { ObjectEntry } from '../../../src/kinds/s3-bucket/format.js';
import { s3Bucket } from '../../../src/kinds/s3-bucket/index.js';
import type { BackupStore } from '../../../src/store/store.js';
import { unique } from '../../helpers/aws.js';
import { putObject, type SourceObject, sampleObjects, TRICKY_KEYS } from '../../helpers/data.js';
import {
  backupToEnd,
  measured,
  type Run,
  readParts,
  runIdAt,
  s3Store,
  suiteFileStore,
} from '../../helpers/kinds.js';
import { storeSignedManifest } from '../../helpers/manifests.js';

const REGION = 'eu-west-3';
const source = client(S3Client, REGION);
const storeClient = client(S3Client, 'us-east-1');

async function createSourceBucket(objects: SourceObject[]): Promise<string> {
  const bucket = unique('tv-src');
  await source.send(
    new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  for (const object of objects) await putObject(source, bucket, object);
  return bucket;
}

/** The ETag of every object, without quotes, as HeadObject reports it now. */
async function etags(bucket: string): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const key of TRICKY_KEYS) {
    const head = await source.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    result.set(key, head.ETag?.replace(/"/g, '') as string);
  }
  return result;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Counts requests per command on both S3 clients while `work` runs. */
async function countRequests<T>(
  work: () => Promise<T>,
): Promise<{ result: T; source: Record<string, number>; store: Record<string, number> }> {
  const counts = { source: {} as Record<string, number>, store: {} as Record<string, number> };
  const add = (s3: S3Client, into: Record<string, number>) =>
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName ?? 'unknown';
        into[name] = (into[name] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
  add(source, counts.source);
  add(storeClient, counts.store);
  try {
    return { result: await work(), ...counts };
  } finally {
    source.middlewareStack.remove('countRequests');
    storeClient.middlewareStack.remove('countRequests');
  }
}

async function bytesOf(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(
    await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

async function storedBytes(store: BackupStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await store.read(key)) ?? []) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const indexOf = async (store: BackupStore, run: Run) =>
  (await readParts(store, run.artifacts, 'objects-index')) as ObjectEntry[];

/** Marks a run finished the way Finalize does: manifest.json listing the item and its artifacts. */
async function finish(
  store: BackupStore,
  runId: string,
  bucket: string,
  artifacts: Artifact[],
): Promise<void> {
  await storeSignedManifest(store, {
    format: 1,
    runId,
    status: 'succeeded',
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    regions: [REGION],
    include: ['s3-bucket'],
    verified: { artifacts: artifacts.length, damaged: [] },
    totals: { items: 1, failed: 0, artifacts: artifacts.length, bytes: 0 },
    items: [{ region: REGION, kind: 's3-bucket', name: bucket, status: 'ok', artifacts }],
  } satisfies Manifest);
}

const utf8Order = (keys: string[]) =>
  [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

const files = suiteFileStore();

describe('s3-bucket backup into an S3 store (server-side copies)', () => {
  it('copies every object once with metadata and tags, then only the changed object in the next run', async () => {
    // Prepare
    const objects = sampleObjects();
    const bucket = await createSourceBucket(objects);
    const { store, bucket: storeBucket } = await s3Store('vault');
    const run1Id = runIdAt(new Date(Date.now() - 60_000));
    const run2Id = runIdAt();
    // Act: a full run, then a change to one object and a second run
    const first = await countRequests(() =>
      backupToEnd(s3Bucket, { store, runId: run1Id, region: REGION, name: bucket }),
    );
    const etags1 = await etags(bucket);
    await finish(store, run1Id, bucket, first.result.artifacts);
    const changed = { ...(objects[2] as SourceObject), body: randomBytes(333) };
    await putObject(source, bucket, changed);
    const second = await countRequests(() =>
      backupToEnd(s3Bucket, { store, runId: run2Id, region: REGION, name: bucket }),
    );
    const etags2 = await etags(bucket);
    // Assess: requests
    expect(first.store.CopyObjectCommand).toBe(objects.length);
    expect(first.source.ListObjectsV2Command).toBe(1);
    for (const perObject of ['HeadObjectCommand', 'GetObjectCommand', 'GetObjectTaggingCommand']) {
      expect(first.source[perObject]).toBeUndefined();
    }
    expect(second.store.CopyObjectCommand).toBe(1);
    expect(second.result.summary).toMatchObject({
      objects: objects.length,
      copied: 1,
      reused: objects.length - 1,
      previousRun: run1Id,
    });
    // Assess: both indexes list every object, in S3's (UTF-8) order, with the right etag and sha256
    const index1 = await indexOf(store, first.result);
    const index2 = await indexOf(store, second.result);
    expect(index1.map((entry) => entry.key)).toEqual(utf8Order(TRICKY_KEYS));
    expect(index2.map((entry) => entry.key)).toEqual(utf8Order(TRICKY_KEYS));
    for (const [index, current, sourceEtags] of [
      [index1, objects, etags1],
      [index2, objects.map((object) => (object.key === changed.key ? changed : object)), etags2],
    ] as const) {
      for (const object of current) {
        const entry = index.find((e) => e.key === object.key) as ObjectEntry;
        expect(entry.etag).toBe(sourceEtags.get(object.key));
        expect(entry.size).toBe(object.body.length);
        expect(entry.attributes).toBe('copy');
        if (index === index1 || object.key === changed.key) expect(entry.sha256).toBe(sha256(object.body));
      }
    }
    const unchanged1 = index1.filter((entry) => entry.key !== changed.key);
    expect(index2.filter((entry) => entry.key !== changed.key)).toEqual(unchanged1);
    const [before, after] = [index1, index2].map(
      (index) => index.find((entry) => entry.key === changed.key) as ObjectEntry,
    );
    expect(after?.storedAt).not.toBe(before?.storedAt);
    expect(after?.sha256).toBe(sha256(changed.body));
    expect(after?.copiedIn).toBe(run2Id);
    // Assess: the copies hold the bytes, content type, metadata and tags
    for (const entry of index2) {
      const object =
        entry.key === changed.key ? changed : (objects.find((o) => o.key === entry.key) as SourceObject);
      const key = `vault/${entry.storedAt}`;
      expect((await bytesOf(storeClient, storeBucket, key)).equals(object.body)).toBe(true);
      const head = await storeClient.send(new HeadObjectCommand({ Bucket: storeBucket, Key: key }));
      expect(head.ContentType).toBe(object.contentType);
      expect(head.Metadata).toEqual(object.metadata);
      const tags = await storeClient.send(new GetObjectTaggingCommand({ Bucket: storeBucket, Key: key }));
      expect(tags.TagSet ?? []).toEqual(object.tags);
    }
    for (const check of await measured(store, [...first.result.artifacts, ...second.result.artifacts])) {
      expect(check.stored).toEqual(check.recorded);
    }
  });

  it('spreads the objects over small chunks, each object exactly once, and resumes the comparison across chunks', async () => {
    // Prepare
    const objects = sampleObjects();
    const bucket = await createSourceBucket(objects);
    const { store } = await s3Store();
    const run1Id = runIdAt(new Date(Date.now() - 60_000));
    // Act
    const first = await backupToEnd(
      s3Bucket,
      { store, runId: run1Id, region: REGION, name: bucket },
      { chunkItems: 3 },
    );
    await finish(store, run1Id, bucket, first.artifacts);
    const second = await countRequests(() =>
      backupToEnd(s3Bucket, { store, runId: runIdAt(), region: REGION, name: bucket }, { chunkItems: 5 }),
    );
    // Assess
    expect(first.steps.length).toBeGreaterThanOrEqual(4);
    expect((await indexOf(store, first)).map((entry) => entry.key)).toEqual(utf8Order(TRICKY_KEYS));
    expect(second.store.CopyObjectCommand).toBeUndefined();
    expect(second.result.summary).toMatchObject({
      objects: objects.length,
      copied: 0,
      reused: objects.length,
    });
    expect(await indexOf(store, second.result)).toEqual(await indexOf(store, first));
    expect(first.artifacts.filter((a) => a.role === 'config')).toHaveLength(1);
  });

  it('counts the objects deleted since the previous run exactly, across chunks and steps stopped early', async () => {
    // Prepare: 12 objects; then the first, a middle and the last key (UTF-8 order) go, and two change.
    const objects = sampleObjects();
    const bucket = await createSourceBucket(objects);
    const { store } = await s3Store();
    const run1Id = runIdAt(new Date(Date.now() - 60_000));
    const first = await backupToEnd(
      s3Bucket,
      { store, runId: run1Id, region: REGION, name: bucket },
      { chunkItems: 3 },
    );
    await finish(store, run1Id, bucket, first.artifacts);
    const ordered = utf8Order(TRICKY_KEYS);
    const gone = [ordered[0], ordered[5], ordered[11]] as string[];
    for (const key of gone) await source.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    for (const key of [ordered[2], ordered[8]] as string[])
      await source.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `changed ${key}` }));
    // Act: in chunks of 2, and with a deadline already passed (one copy per step, listed objects
    // beyond it are looked up in the earlier index but not finished: the next step sees them again).
    const chunked = await backupToEnd(
      s3Bucket,
      { store, runId: runIdAt(), region: REGION, name: bucket },
      {
        chunkItems: 2,
      },
    );
    const stopped = await backupToEnd(
      s3Bucket,
      { store, runId: runIdAt(new Date(Date.now() + 1000)), region: REGION, name: bucket },
      { deadline: () => Date.now() - 1 },
    );
    // Assess
    expect(chunked.steps.length).toBeGreaterThanOrEqual(5);
    expect(stopped.steps.length).toBeGreaterThanOrEqual(2);
    for (const run of [chunked, stopped]) {
      expect(run.summary).toMatchObject({ previousRun: run1Id, deleted: 3, deletedKeys: gone, objects: 9 });
      expect(s3Bucket.data?.deletedSince?.({ summary: run.summary } as never)).toEqual({
        previousRun: run1Id,
        count: 3,
        sample: gone,
      });
    }
  });

  it('stops at a passed deadline after one object and continues from the cursor', async () => {
    // Prepare
    const objects = sampleObjects();
    const bucket = await createSourceBucket(objects);
    const { store } = await s3Store();
    const item = { store, runId: runIdAt(), region: REGION, name: bucket };
    // Act
    const first = await s3Bucket.backup(
      { ...item, store: store.url, kind: 's3-bucket' },
      { store, runId: item.runId, deadline: Date.now() - 1 },
    );
    const rest = await backupToEnd(s3Bucket, { ...item, cursor: JSON.parse(JSON.stringify(first.cursor)) });
    // Assess
    expect(first.done).toBe(false);
    expect(first.artifacts.find((a) => a.role === 'objects-index')?.counts).toMatchObject({
      objects: 1,
      copied: 1,
    });
    const index = (await readParts(
      store,
      [...first.artifacts, ...rest.artifacts],
      'objects-index',
    )) as ObjectEntry[];
    expect(index.map((entry) => entry.key)).toEqual(utf8Order(TRICKY_KEYS));
  });

  it('copies objects above the single-copy limit in parts, keeping metadata and tags', async () => {
    // Prepare
    const big: SourceObject = {
      key: 'big file+.bin',
      body: randomBytes(12 * 1024 * 1024 + 17),
      contentType: 'application/octet-stream',
      metadata: { origin: 'multipart' },
      tags: [{ Key: 'size', Value: 'big' }],
    };
    const bucket = await createSourceBucket([big]);
    const { store, bucket: storeBucket } = await s3Store();
    process.env.TRIGGERVAULT_S3_MULTIPART_COPY_BYTES = String(8 * 1024 * 1024);
    process.env.TRIGGERVAULT_S3_COPY_PART_BYTES = String(5 * 1024 * 1024);
    try {
      // Act
      const run = await countRequests(() =>
        backupToEnd(s3Bucket, { store, runId: runIdAt(), region: REGION, name: bucket }),
      );
      // Assess
      expect(run.store.UploadPartCopyCommand).toBe(3);
      const [entry] = await indexOf(store, run.result);
      expect((await bytesOf(storeClient, storeBucket, entry?.storedAt as string)).equals(big.body)).toBe(
        true,
      );
      const head = await storeClient.send(
        new HeadObjectCommand({ Bucket: storeBucket, Key: entry?.storedAt }),
      );
      expect(head.ContentType).toBe(big.contentType);
      expect(head.Metadata).toEqual(big.metadata);
      const tags = await storeClient.send(
        new GetObjectTaggingCommand({ Bucket: storeBucket, Key: entry?.storedAt }),
      );
      expect(tags.TagSet).toEqual(big.tags);
    } finally {
      delete process.env.TRIGGERVAULT_S3_MULTIPART_COPY_BYTES;
      delete process.env.TRIGGERVAULT_S3_COPY_PART_BYTES;
    }
  });

  it('never backs up the store bucket into itself', async () => {
    // Prepare
    const { store, bucket } = await s3Store();
    // Act
    const step = await s3Bucket.backup(
      { runId: runIdAt(), store: store.url, region: 'us-east-1', kind: 's3-bucket', name: bucket },
      { store, runId: runIdAt(), deadline: Date.now() + 60_000 },
    );
    // Assess
    expect(step.done).toBe(true);
    expect(step.artifacts).toEqual([]);
  });
});

describe('s3-bucket backup into a file store (streamed)', () => {
  it('stores every object with content type, metadata and tags in the index, then only the changed one', async () => {
    // Prepare
    const objects = sampleObjects();
    const bucket = await createSourceBucket(objects);
    await source.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    await source.send(
      new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: 'app', Value: 'shop' }] } }),
    );
    await source.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [{ AllowedMethods: ['GET'], AllowedOrigins: ['https://example.com'] }],
        },
      }),
    );
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${bucket}/*` },
      ],
    };
    await source.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    const run1Id = runIdAt(new Date(Date.now() - 60_000));
    // Act
    const first = await countRequests(() =>
      backupToEnd(s3Bucket, { store: files.store, runId: run1Id, region: REGION, name: bucket }),
    );
    await finish(files.store, run1Id, bucket, first.result.artifacts);
    const changed = { ...(objects[5] as SourceObject), body: randomBytes(50) };
    await putObject(source, bucket, changed);
    const second = await countRequests(() =>
      backupToEnd(s3Bucket, { store: files.store, runId: runIdAt(), region: REGION, name: bucket }),
    );
    // Assess
    const tagged = objects.filter((object) => object.tags.length > 0).length;
    expect(first.source.GetObjectCommand).toBe(objects.length);
    expect(first.source.GetObjectTaggingCommand).toBe(tagged);
    expect(first.source.HeadObjectCommand).toBeUndefined();
    expect(second.source.GetObjectCommand).toBe(1);
    const index2 = await indexOf(files.store, second.result);
    expect(index2.map((entry) => entry.key)).toEqual(utf8Order(TRICKY_KEYS));
    for (const entry of index2) {
      const object =
        entry.key === changed.key ? changed : (objects.find((o) => o.key === entry.key) as SourceObject);
      expect(entry).toMatchObject({
        attributes: 'index',
        contentType: object.contentType,
        metadata: object.metadata,
        tags: object.tags,
        sha256: sha256(object.body),
        size: object.body.length,
      });
      // Objects written before versioning was enabled have the version "null".
      if (entry.key === changed.key) expect(entry.versionId).toMatch(/.+/);
      expect((await storedBytes(files.store, entry.storedAt as string)).equals(object.body)).toBe(true);
    }
    const config = (await files.store.getJson(
      first.result.artifacts.find((a) => a.role === 'config')?.path as string,
    )) as {
      location: string;
      versioning: { Status?: string };
      tags: unknown[];
      cors: { CORSRules: unknown[] };
      policy: unknown;
      lifecycle: unknown;
      encryption: unknown;
    };
    expect(config.location).toBe(REGION);
    expect(config.versioning.Status).toBe('Enabled');
    expect(config.tags).toEqual([{ Key: 'app', Value: 'shop' }]);
    expect(config.cors.CORSRules[0]).toMatchObject({
      AllowedMethods: ['GET'],
      AllowedOrigins: ['https://example.com'],
    });
    expect(config.policy).toEqual(policy);
    expect(config.lifecycle).toBeNull();
    expect(config.encryption === null || typeof config.encryption === 'object').toBe(true);
    for (const check of await measured(files.store, second.result.artifacts))
      expect(check.stored).toEqual(check.recorded);
  });

  it('copies everything again, without failing, when the earlier objects index is damaged', async () => {
    // Prepare
    const objects = sampleObjects().slice(0, 4);
    const bucket = await createSourceBucket(objects);
    const run1Id = runIdAt(new Date(Date.now() - 60_000));
    const first = await backupToEnd(s3Bucket, {
      store: files.store,
      runId: run1Id,
      region: REGION,
      name: bucket,
    });
    await finish(files.store, run1Id, bucket, first.artifacts);
    const index = first.artifacts.find((a) => a.role === 'objects-index') as Artifact;
    await files.store.putStream(index.path, Readable.from([Buffer.from('not gzip at all')]));
    // Act
    const second = await backupToEnd(s3Bucket, {
      store: files.store,
      runId: runIdAt(),
      region: REGION,
      name: bucket,
    });
    // Assess
    expect(second.summary).toMatchObject({ objects: 4, copied: 4, reused: 0, previousRun: run1Id });
    expect((await indexOf(files.store, second)).map((entry) => entry.sha256)).toEqual(
      utf8Order(objects.map((o) => o.key)).map((key) =>
        sha256((objects.find((o) => o.key === key) as SourceObject).body),
      ),
    );
  });

  it('discovers the buckets of a region that match the patterns', async () => {
    // Prepare
    const bucket = await createSourceBucket([]);
    const { bucket: elsewhere } = await s3Store();
    // Act
    const matched = await s3Bucket.discover(REGION, { patterns: ['tv-src-*', 'tv-store-*'] });
    const none = await s3Bucket.discover(REGION, { patterns: [] });
    // Assess
    expect(matched).toContain(bucket);
    expect(matched).not.toContain(elsewhere);
    expect(none).toEqual([]);
  });
});
