import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  type BucketLocationConstraint,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  type CopyObjectCommandInput,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCorsCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketOwnershipControlsCommand,
  DeleteBucketPolicyCommand,
  DeleteBucketTaggingCommand,
  DeletePublicAccessBlockCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  GetObjectTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  PutPublicAccessBlockCommand,
  paginateListObjectsV2,
  S3Client,
  type Tag,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Change, FieldChange } from '../../../schemas/restore.js';
import type { ItemResult } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { ifExists } from '../../aws/errors.js';
import { mapLimit } from '../../concurrency.js';
import { NotFoundError } from '../../errors.js';
import type { RestoreContext, RestoreResult } from '../../reconcile/context.js';
import {
  canonicalJson,
  countOf,
  type DataPlan,
  decideData,
  PartPosition,
  partsOf,
  recordsFrom,
  runDataRestore,
  START,
  storedDocument,
  Tally,
} from '../../reconcile/data.js';
import { diffFields, notPossible } from '../../reconcile/diff.js';
import type { S3Location } from '../../store/store.js';
import { envNumber, mapOrdered } from '../shared/pacing.js';
import type { ObjectEntry } from './backup.js';

/**
 * Restores an S3 bucket from its config.json and objects index. A missing bucket is created in the
 * target region with versioning, Object Lock, encryption, CORS, lifecycle, tags, policy, ownership
 * controls and public access block as recorded. The notification configuration is left alone: the
 * s3-notification trigger restore owns it and merges its entries in.
 *
 * Objects come back from the store: from an S3 store by server-side CopyObject (one request per
 * object; objects above 5 GB in parts), from a file:// store by upload. Content type, metadata, tags
 * and headers travel with the stored copy when the index says `"attributes": "copy"` (the copy keeps
 * them: MetadataDirective and TaggingDirective COPY), and are set explicitly from the index entry for
 * `"attributes": "index"`. Every restored object gets a SHA-256 checksum, so later comparisons check
 * content without reading it.
 *
 * An existing bucket is compared first: each setting, then object by object (key, size, content by
 * checksum or ETag, content type, metadata, headers, tags), both sides in key order. Objects are
 * copied into a bucket that already holds objects only with `force`, and then over it: every
 * backed-up object is written again; objects the backup does not have stay.
 */

const STOPPED = Symbol('stopped');
const DEFAULT_MULTIPART_COPY_BYTES = 5 * 1024 ** 3;
const DEFAULT_COPY_PART_BYTES = 512 * 1024 ** 2;
const MAX_PARTS = 10_000;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Response headers the backup keeps beside content type and metadata. */
const HEADERS = [
  'CacheControl',
  'ContentDisposition',
  'ContentEncoding',
  'ContentLanguage',
  'WebsiteRedirectLocation',
] as const;

/** The parts of config.json a restore reads (written by s3-bucket.ts). */
interface BucketConfig {
  location: string;
  versioning: { Status?: string } | null;
  lifecycle: { Rules?: unknown[] } | null;
  cors: { CORSRules?: unknown[] } | null;
  encryption: { ServerSideEncryptionConfiguration?: { Rules?: unknown[] } } | null;
  tags: Tag[];
  policy: unknown;
  objectLock: { ObjectLockConfiguration?: { ObjectLockEnabled?: string; Rule?: unknown } } | null;
  publicAccessBlock: Record<string, unknown> | null;
  ownershipControls: { Rules?: unknown[] } | null;
}

type Shape = Record<string, unknown>;

const notConfigured = async <T>(read: () => Promise<T>, names: string[]): Promise<T | null> => {
  try {
    return await read();
  } catch (error) {
    if (names.includes((error as Error).name)) return null;
    throw error;
  }
};

/**
 * The bucket settings a restore reproduces, each as read (its comparable value, null when unset),
 * written and removed, in the order they are written: the policy before the public access block that
 * might refuse it, Object Lock only on a bucket created with it.
 */
interface Setting {
  field: string;
  desired(config: BucketConfig): unknown;
  read(s3: S3Client, Bucket: string): Promise<unknown>;
  write(s3: S3Client, Bucket: string, value: never): Promise<unknown>;
  remove?(s3: S3Client, Bucket: string): Promise<unknown>;
}

const tagRecord = (tags: Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
const tagList = (tags: Record<string, string>): Tag[] =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

const SETTINGS: Setting[] = [
  {
    field: 'OwnershipControls',
    desired: (config) => config.ownershipControls?.Rules ?? null,
    read: (s3, Bucket) =>
      notConfigured(
        async () =>
          (await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }))).OwnershipControls?.Rules,
        ['OwnershipControlsNotFoundError'],
      ),
    write: (s3, Bucket, Rules: never) =>
      s3.send(new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules } })),
    remove: (s3, Bucket) => s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket })),
  },
  {
    field: 'Versioning',
    desired: (config) => config.versioning?.Status ?? null,
    read: async (s3, Bucket) => (await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status ?? null,
    write: (s3, Bucket, Status: never) =>
      s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status } })),
    // Versioning once enabled can only be suspended.
    remove: (s3, Bucket) =>
      s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended' } })),
  },
  {
    field: 'ObjectLock',
    desired: (config) => config.objectLock?.ObjectLockConfiguration ?? null,
    read: (s3, Bucket) =>
      notConfigured(
        async () =>
          (await s3.send(new GetObjectLockConfigurationCommand({ Bucket }))).ObjectLockConfiguration ?? null,
        ['ObjectLockConfigurationNotFoundError'],
      ),
    write: (s3, Bucket, ObjectLockConfiguration: never) =>
      s3.send(new PutObjectLockConfigurationCommand({ Bucket, ObjectLockConfiguration })),
  },
  {
    field: 'Encryption',
    desired: (config) => config.encryption?.ServerSideEncryptionConfiguration?.Rules ?? null,
    read: (s3, Bucket) =>
      notConfigured(
        async () =>
          (await s3.send(new GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration
            ?.Rules ?? null,
        ['ServerSideEncryptionConfigurationNotFoundError'],
      ),
    write: (s3, Bucket, Rules: never) =>
      s3.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules } })),
    remove: (s3, Bucket) => s3.send(new DeleteBucketEncryptionCommand({ Bucket })),
  },
  {
    field: 'Cors',
    desired: (config) => config.cors?.CORSRules ?? null,
    read: (s3, Bucket) =>
      notConfigured(
        async () => (await s3.send(new GetBucketCorsCommand({ Bucket }))).CORSRules ?? null,
        ['NoSuchCORSConfiguration'],
      ),
    write: (s3, Bucket, CORSRules: never) =>
      s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules } })),
    remove: (s3, Bucket) => s3.send(new DeleteBucketCorsCommand({ Bucket })),
  },
  {
    field: 'Lifecycle',
    desired: (config) => config.lifecycle?.Rules ?? null,
    read: (s3, Bucket) =>
      notConfigured(
        async () => (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules ?? null,
        ['NoSuchLifecycleConfiguration'],
      ),
    write: (s3, Bucket, Rules: never) =>
      s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } })),
    remove: (s3, Bucket) => s3.send(new DeleteBucketLifecycleCommand({ Bucket })),
  },
  {
    field: 'Tags',
    desired: (config) => tagRecord(config.tags),
    read: async (s3, Bucket) =>
      tagRecord(
        (await notConfigured(
          async () => (await s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet,
          ['NoSuchTagSet'],
        )) ?? [],
      ),
    write: (s3, Bucket, tags: never) =>
      Object.keys(tags).length
        ? s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: tagList(tags) } }))
        : s3.send(new DeleteBucketTaggingCommand({ Bucket })),
  },
  {
    field: 'Policy',
    desired: (config) => config.policy ?? null,
    read: (s3, Bucket) =>
      notConfigured(
        async () => JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy ?? 'null'),
        ['NoSuchBucketPolicy'],
      ),
    write: (s3, Bucket, policy: never) =>
      s3.send(new PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify(policy) })),
    remove: (s3, Bucket) => s3.send(new DeleteBucketPolicyCommand({ Bucket })),
  },
  {
    field: 'PublicAccessBlock',
    desired: (config) => config.publicAccessBlock ?? null,
    read: (s3, Bucket) =>
      notConfigured(
        async () =>
          (await s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration ?? null,
        ['NoSuchPublicAccessBlockConfiguration'],
      ),
    write: (s3, Bucket, PublicAccessBlockConfiguration: never) =>
      s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration })),
    remove: (s3, Bucket) => s3.send(new DeletePublicAccessBlockCommand({ Bucket })),
  },
];

/** The recorded settings as the target must have them: ARNs (policy resources, KMS keys) mapped. */
function desiredShape(config: BucketConfig, context: RestoreContext, notes: string[]): Shape {
  const shape = Object.fromEntries(SETTINGS.map((setting) => [setting.field, setting.desired(config)]));
  const mapped = context.mapper.mapDeep(shape);
  if (
    context.sourceRegion !== context.targetRegion &&
    JSON.stringify(shape.Encryption).includes('KMSMasterKeyID')
  ) {
    // A customer key belongs to its region: the copy is encrypted with the AWS managed key instead.
    mapped.Encryption = JSON.parse(JSON.stringify(shape.Encryption), (key, value) =>
      key === 'KMSMasterKeyID' ? undefined : value,
    );
    notes.push('SSE-KMS with the AWS managed key: the recorded customer key belongs to the source region');
  }
  return mapped;
}

async function liveShape(s3: S3Client, bucket: string): Promise<Shape> {
  const values = await Promise.all(SETTINGS.map((setting) => setting.read(s3, bucket)));
  return Object.fromEntries(SETTINGS.map((setting, index) => [setting.field, values[index]]));
}

/** Writes the settings named in `fields` (all when undefined) as `desired` has them; unset ones are removed. */
async function applySettings(s3: S3Client, bucket: string, desired: Shape, fields?: Set<string>) {
  for (const setting of SETTINGS) {
    if (fields && !fields.has(setting.field)) continue;
    const value = desired[setting.field];
    if (value !== null) await setting.write(s3, bucket, value as never);
    else if (fields) await setting.remove?.(s3, bucket);
  }
}

/** Content type, metadata, headers and tags of an object, the same way for a live object and a stored copy. */
interface Attributes {
  contentType?: string;
  metadata: Record<string, string>;
  headers: Record<string, string>;
  tags: Record<string, string>;
}

interface Head {
  size: number;
  etag: string;
  /** Hex sha256 of the whole object when S3 has one (not for composite multipart checksums). */
  sha256?: string;
  attributes: Attributes;
}

const stripQuotes = (etag: string | undefined) => (etag ?? '').replace(/^"|"$/g, '');

async function head(s3: S3Client, Bucket: string, Key: string): Promise<Head> {
  const response = await s3.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
  const checksum = response.ChecksumSHA256;
  const tags =
    (response.TagCount ?? 0) > 0
      ? ((await s3.send(new GetObjectTaggingCommand({ Bucket, Key }))).TagSet ?? [])
      : [];
  return {
    size: response.ContentLength ?? 0,
    etag: stripQuotes(response.ETag),
    sha256:
      checksum && !checksum.includes('-') && response.ChecksumType !== 'COMPOSITE'
        ? Buffer.from(checksum, 'base64').toString('hex')
        : undefined,
    attributes: {
      contentType: response.ContentType,
      metadata: response.Metadata ?? {},
      headers: Object.fromEntries(
        HEADERS.filter((name) => response[name] !== undefined).map((name) => [name, String(response[name])]),
      ),
      tags: tagRecord(tags),
    },
  };
}

const indexAttributes = (entry: ObjectEntry): Attributes => ({
  contentType: entry.contentType,
  metadata: entry.metadata ?? {},
  headers: entry.headers ?? {},
  tags: tagRecord(entry.tags),
});

const encodeTags = (tags: Record<string, string>): string | undefined =>
  Object.keys(tags).length
    ? Object.entries(tags)
        .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
        .join('&')
    : undefined;

/** Request fields that set an object's attributes explicitly (PutObject, CreateMultipartUpload, CopyObject REPLACE). */
const attributeFields = (attributes: Attributes) => ({
  ContentType: attributes.contentType,
  Metadata: attributes.metadata,
  Tagging: encodeTags(attributes.tags),
  ...attributes.headers,
});

/** CopySource is URL-encoded: spaces, '+', '%', unicode and '?' in a key must not be read as URL syntax. */
const copySource = (bucket: string, key: string) =>
  `${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`;

interface Job {
  store: RestoreContext['store'];
  storeBucket?: S3Location;
  s3: S3Client;
  bucket: string;
}

/** The attributes an entry's object must get: from the index, or from the stored copy. */
async function wantedAttributes(job: Job, entry: ObjectEntry): Promise<Attributes | undefined> {
  if (entry.attributes === 'index') return indexAttributes(entry);
  if (!job.storeBucket) return undefined;
  const stored = await head(
    client(S3Client, job.storeBucket.region),
    job.storeBucket.bucket,
    job.storeBucket.key(entry.storedAt as string),
  );
  return stored.attributes;
}

/** Copies an object above the single-copy limit in parts, its attributes set explicitly. */
async function copyInParts(job: Job, entry: ObjectEntry, source: string, attributes: Attributes) {
  const destination = { Bucket: job.bucket, Key: entry.key };
  const { UploadId } = await job.s3.send(
    new CreateMultipartUploadCommand({
      ...destination,
      ...attributeFields(attributes),
      ChecksumAlgorithm: 'SHA256',
    }),
  );
  const partBytes = Math.max(
    envNumber('TRIGGERVAULT_S3_COPY_PART_BYTES', DEFAULT_COPY_PART_BYTES),
    Math.ceil(entry.size / MAX_PARTS),
  );
  const count = Math.ceil(entry.size / partBytes);
  try {
    const parts = await mapLimit(
      Array.from({ length: count }, (_, index) => index),
      8,
      async (index) => {
        const response = await job.s3.send(
          new UploadPartCopyCommand({
            ...destination,
            UploadId,
            PartNumber: index + 1,
            CopySource: source,
            CopySourceRange: `bytes=${index * partBytes}-${Math.min(entry.size, (index + 1) * partBytes) - 1}`,
          }),
        );
        return {
          PartNumber: index + 1,
          ETag: response.CopyPartResult?.ETag,
          ChecksumSHA256: response.CopyPartResult?.ChecksumSHA256,
        };
      },
    );
    await job.s3.send(
      new CompleteMultipartUploadCommand({ ...destination, UploadId, MultipartUpload: { Parts: parts } }),
    );
  } catch (error) {
    await job.s3.send(new AbortMultipartUploadCommand({ ...destination, UploadId })).catch(() => undefined);
    throw error;
  }
}

/** Writes one object back from the store (see the module comment for how). */
async function restoreObject(job: Job, entry: ObjectEntry, notes: Set<string>): Promise<void> {
  const storedAt = entry.storedAt as string;
  if (job.storeBucket) {
    const source = copySource(job.storeBucket.bucket, job.storeBucket.key(storedAt));
    if (entry.size > envNumber('TRIGGERVAULT_S3_MULTIPART_COPY_BYTES', DEFAULT_MULTIPART_COPY_BYTES)) {
      await copyInParts(job, entry, source, (await wantedAttributes(job, entry)) as Attributes);
      return;
    }
    const attributes: Partial<CopyObjectCommandInput> =
      entry.attributes === 'copy'
        ? { MetadataDirective: 'COPY', TaggingDirective: 'COPY' }
        : {
            MetadataDirective: 'REPLACE',
            TaggingDirective: 'REPLACE',
            ...attributeFields(indexAttributes(entry)),
          };
    await job.s3.send(
      new CopyObjectCommand({
        Bucket: job.bucket,
        Key: entry.key,
        CopySource: source,
        ChecksumAlgorithm: 'SHA256',
        ...attributes,
      }),
    );
    return;
  }
  const body = await job.store.read(storedAt);
  if (!body) throw new NotFoundError(`${job.store.url}: ${storedAt} (object ${entry.key}) is missing`);
  if (entry.attributes === 'copy')
    notes.add(
      'objects stored by server-side copy keep their metadata and tags on the copy, which this file:// store does not have: restored without them',
    );
  await new Upload({
    client: job.s3,
    params: {
      Bucket: job.bucket,
      Key: entry.key,
      Body: body,
      ChecksumAlgorithm: 'SHA256',
      ...(entry.attributes === 'index' ? attributeFields(indexAttributes(entry)) : {}),
    },
    partSize: Math.max(
      5 * 1024 ** 2,
      Math.min(entry.size, envNumber('TRIGGERVAULT_S3_UPLOAD_PART_BYTES', 64 * 1024 ** 2)),
    ),
    queueSize: 2,
  }).done();
}

/** sha256 of a live object's bytes, streamed. */
async function hashObject(s3: S3Client, Bucket: string, Key: string): Promise<string> {
  const response = await s3.send(new GetObjectCommand({ Bucket, Key }));
  const hash = createHash('sha256');
  for await (const chunk of response.Body as Readable) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

type Verdict = { key: string; problem?: string; sizeOnly?: boolean };

/** One object against its entry: size, content (checksum, ETag, or the bytes hashed), then attributes. */
async function compareObject(job: Job, entry: ObjectEntry): Promise<Verdict> {
  const key = entry.key;
  const live = await head(job.s3, job.bucket, key);
  if (live.size !== entry.size) return { key, problem: `size ${live.size}, backup ${entry.size}` };
  let sizeOnly = false;
  const content =
    live.sha256 && entry.sha256
      ? live.sha256 === entry.sha256
      : live.etag === entry.etag ||
        (entry.sha256 !== undefined
          ? (await hashObject(job.s3, job.bucket, key)) === entry.sha256
          : undefined);
  if (content === false) return { key, problem: 'content differs' };
  if (content === undefined) sizeOnly = true;
  const wanted = await wantedAttributes(job, entry);
  if (wanted) {
    const fields = diffFields(live.attributes, wanted).map((field) => field.field);
    if (fields.length) return { key, problem: `${fields.join(', ')} differ` };
  }
  return { key, sizeOnly };
}

type Pair = { side: 'extra'; key: string } | { side: 'missing' | 'both'; entry: ObjectEntry };
type Outcome = { side: 'extra' | 'missing'; key: string } | ({ side: 'both' } & Verdict);

/** Live objects and stored entries side by side, both in S3's key order (UTF-8 bytes). */
async function* sideBySide(job: Job, parts: string[]): AsyncGenerator<Pair> {
  const live = (async function* () {
    for await (const page of paginateListObjectsV2({ client: job.s3 }, { Bucket: job.bucket }))
      for (const object of page.Contents ?? []) yield object.Key ?? '';
  })();
  const stored = (async function* () {
    for await (const { value } of recordsFrom<ObjectEntry>(job.store, parts)) if (value.storedAt) yield value;
  })();
  let key = await live.next();
  let entry = await stored.next();
  while (!key.done || !entry.done) {
    const order = key.done
      ? 1
      : entry.done
        ? -1
        : Buffer.compare(Buffer.from(key.value), Buffer.from(entry.value.key));
    if (order < 0) yield { side: 'extra', key: key.value as string };
    else yield { side: order > 0 ? 'missing' : 'both', entry: entry.value as ObjectEntry };
    if (order <= 0) key = await live.next();
    if (order >= 0) entry = await stored.next();
  }
}

const EXAMPLES = 10;

/** Every difference between the live objects and the backup's, summed up as fields (with example keys). */
async function compareObjects(
  job: Job,
  parts: string[],
  details: Record<string, unknown>,
): Promise<FieldChange[]> {
  const found: Record<'missing' | 'extra' | 'differing', string[]> = {
    missing: [],
    extra: [],
    differing: [],
  };
  const tally = new Tally();
  const counts = { live: 0, stored: 0, sizeOnly: 0 };
  const outcomes = mapOrdered(
    sideBySide(job, parts),
    envNumber('TRIGGERVAULT_S3_RESTORE_CONCURRENCY', 32),
    async (pair): Promise<Outcome> => {
      if (pair.side === 'extra') return pair;
      tally.add(canonicalJson([pair.entry.key, pair.entry.size, pair.entry.sha256 ?? pair.entry.etag]));
      if (pair.side === 'missing') return { side: 'missing', key: pair.entry.key };
      return { side: 'both', ...(await compareObject(job, pair.entry)) };
    },
  );
  for await (const outcome of outcomes) {
    if (outcome.side !== 'missing') counts.live += 1;
    if (outcome.side !== 'extra') counts.stored += 1;
    if (outcome.side !== 'both') found[outcome.side].push(outcome.key);
    else {
      if (outcome.problem) found.differing.push(`${outcome.key}: ${outcome.problem}`);
      if (outcome.sizeOnly) counts.sizeOnly += 1;
    }
  }
  Object.assign(details, {
    objects: counts.stored,
    checksum: tally.checksum,
    ...(counts.sizeOnly ? { comparedBySizeOnly: counts.sizeOnly } : {}),
  });
  const fields: FieldChange[] = [];
  if (counts.live !== counts.stored)
    fields.push({ field: 'objects', current: counts.live, desired: counts.stored });
  for (const [name, keys] of Object.entries(found))
    if (keys.length)
      fields.push({
        field: `objects.${name}`,
        current: `${keys.length}: ${keys.slice(0, EXAMPLES).join(' | ')}`,
        desired: 0,
      });
  return fields;
}

/** Copies the entries of the index parts from `from` on; stops starting copies at `deadline`. */
async function restoreObjects(
  job: Job,
  parts: string[],
  from: PartPosition,
  deadline: number,
  notes: string[],
): Promise<PartPosition | undefined> {
  const said = new Set<string>();
  let position = from;
  let stopped = false;
  let started = 0;
  const copies = mapOrdered(
    recordsFrom<ObjectEntry>(job.store, parts, from),
    envNumber('TRIGGERVAULT_S3_RESTORE_CONCURRENCY', 32),
    async (record) => {
      // The first copy always starts: every call makes progress, however late it starts.
      if (started++ > 0 && Date.now() >= deadline) return STOPPED;
      if (record.value.storedAt) await restoreObject(job, record.value, said);
      return record.next;
    },
    64,
  );
  for await (const copied of copies) {
    if (copied === STOPPED) {
      stopped = true;
      break;
    }
    position = copied;
  }
  for (const note of said) if (!notes.includes(note)) notes.push(note);
  return stopped ? position : undefined;
}

/** Restores one bucket (settings and objects) into `context.targetRegion`. */
export async function restoreBucket(item: ItemResult, context: RestoreContext): Promise<RestoreResult> {
  const { store, mapper } = context;
  const bucket = mapper.mapName('s3-bucket', item.name);
  const s3 = client(S3Client, context.targetRegion);
  const job: Job = { store, storeBucket: store.s3, s3, bucket };
  const parts = partsOf(item, 'objects-index');
  const stored = countOf(item, 'objects-index', 'objects');
  const objectsResource = `objects of bucket ${bucket}`;

  const plan = async (): Promise<DataPlan<PartPosition>> => {
    const notes: string[] = [];
    const details: Record<string, unknown> = { objects: stored };
    const blocked = (note: string) => ({
      changes: [notPossible(`bucket ${bucket}`, 'blocked', note)],
      notes,
    });
    if (job.storeBucket?.bucket === bucket) return blocked('it is the backup store bucket');
    if (!BUCKET_NAME.test(bucket))
      return blocked(
        'not a valid bucket name (the name suffix must be lowercase and the name at most 63 characters)',
      );
    if ((item.summary?.notCaptured as string[] | undefined)?.includes('data'))
      notes.push(`run ${context.runId} captured the configuration only: no objects to restore`);
    const archived = Number(item.summary?.skipped ?? 0);
    if (archived > 0)
      notes.push(
        `${archived} objects were archived (Glacier) when backed up and have no stored copy: not restored`,
      );
    const config = await storedDocument<BucketConfig>(store, item, 'config');
    const desired = desiredShape(config, context, notes);
    const location = await ifExists(() => s3.send(new GetBucketLocationCommand({ Bucket: bucket })));
    if (location) {
      const region = location.LocationConstraint || 'us-east-1';
      if (region !== context.targetRegion)
        return blocked(
          `the name is taken by a bucket in ${region} (bucket names are global): use a name suffix`,
        );
    } else {
      const changes: Change[] = [
        { resource: `bucket ${bucket}`, action: 'create' },
        {
          resource: objectsResource,
          action: stored > 0 ? 'create' : 'unchanged',
          ...(stored > 0 ? { note: `${stored} objects` } : {}),
        },
      ];
      if (!context.apply) return { changes, notes, details };
      await s3.send(
        new CreateBucketCommand({
          Bucket: bucket,
          CreateBucketConfiguration:
            context.targetRegion === 'us-east-1'
              ? undefined
              : { LocationConstraint: context.targetRegion as BucketLocationConstraint },
          ObjectLockEnabledForBucket:
            config.objectLock?.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled',
        }),
      );
      await applySettings(s3, bucket, desired);
      return { changes, notes, details, load: parts.length ? START : undefined };
    }
    const fields = diffFields(await liveShape(s3, bucket), desired);
    let change: Change = { resource: `bucket ${bucket}`, action: 'unchanged' };
    if (fields.length && !context.force) change = { ...change, action: 'differs', fields };
    else if (fields.some((field) => field.field.startsWith('ObjectLock')))
      change = { ...change, action: 'manual', fields, note: 'Object Lock cannot be changed this way' };
    else if (fields.length) {
      change = { ...change, action: 'update', fields };
      if (context.apply)
        await applySettings(
          s3,
          bucket,
          desired,
          new Set(fields.map((field) => field.field.split('.')[0] as string)),
        );
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
    const data = await decideData(context, {
      resource: objectsResource,
      empty: !listed.Contents?.length,
      stored,
      compare: () => compareObjects(job, parts, details),
      note: stored > 0 ? `${stored} objects` : undefined,
    });
    return {
      changes: [change, data.change],
      notes,
      details,
      load: data.load && parts.length ? START : undefined,
    };
  };

  return runDataRestore(context, PartPosition, plan, (from, planned) =>
    restoreObjects(job, parts, from, context.deadline, planned.notes),
  );
}
