import type { Readable } from 'node:stream';
import {
  type _Object,
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  GetObjectTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  S3Client,
  type Tag,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { z } from 'zod';
import { parseOrThrow } from '../../../schemas/common.js';
import type { Artifact, WorkItem } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { errorName, httpStatus, isMissingObject } from '../../aws/errors.js';
import { mapLimit } from '../../concurrency.js';
import { IntegrityError } from '../../errors.js';
import { selectNames } from '../../glob.js';
import { logger } from '../../log.js';
import { itemArtifacts, RunCatalog } from '../../store/catalog.js';
import { sha256Hex } from '../../store/hashing.js';
import { artifactKey, segment } from '../../store/layout.js';
import { partFile, readNdjsonPart, writeJsonArtifact, writeNdjsonPart } from '../../store/ndjson-part.js';
import type { BackupStore, S3Location } from '../../store/store.js';
import { captures, configurationOnly } from '../shared/attributes.js';
import { envNumber, mapOrdered, StepBudget } from '../shared/pacing.js';
import type { BackupContext, ResourceKind } from '../types.js';
import { restoreBucket } from './restore.js';

/**
 * S3 buckets: configuration, and every object with its content type, metadata, tags and storage
 * class.
 *
 * Object layout. A copy is stored once per object version at
 * `blobs/s3/<bucket>/<sha256 of [key, etag, size, lastModified]>` and never rewritten; each run
 * writes an objects index (gzip NDJSON, one entry per object in listing order, role
 * `objects-index`) that names where each object is stored (`storedAt`), so every run's manifest
 * alone restores the bucket. Not `blobs/sha256/<content hash>`: a server-side copy does not know the
 * content hash before it is made, and renaming afterwards would cost two more requests per object.
 * S3 computes the SHA-256 of the copy for us (CopyObject with ChecksumAlgorithm SHA256), and a
 * file:// store hashes while streaming, so every entry still carries `sha256` of the stored bytes.
 *
 * Incremental runs. The latest earlier run with a manifest.json is found by listing `runs/` (once
 * per process and run); its objects index for this bucket is read alongside the listing (both are in
 * key order, so memory stays flat). An object with the same ETag, size and LastModified is not
 * copied again: its entry is carried over, pointing at the existing copy.
 *
 * Requests. With an S3 store each copied object costs one CopyObject (MetadataDirective and
 * TaggingDirective COPY keep content type, metadata and tags on the copy; the entry says so with
 * `attributes: "copy"`), plus one ListObjectsV2 per 1,000 objects. A file:// store costs one
 * GetObject per object, plus GetObjectTagging only for objects that have tags (`attributes: "index"`:
 * everything is in the entry). Objects above 5 GB are copied in parts (UploadPartCopy), which needs
 * HeadObject and GetObjectTagging first; their `sha256` is unknown (S3 only has a composite checksum).
 */
const KIND = 's3-bucket' as const;
const LIST_PAGE = 1000;
const DEFAULT_MULTIPART_COPY_BYTES = 5 * 1024 ** 3;
const DEFAULT_COPY_PART_BYTES = 512 * 1024 ** 2;
const MAX_PARTS = 10_000;
/** Assumed copy throughput when deciding whether an object still fits before the deadline. */
const COPY_BYTES_PER_MS = 50 * 1024;

const Cursor = z.object({
  chunk: z.number().int().nonnegative(),
  /** The last key backed up; the next step lists after it. */
  after: z.string().optional(),
  /** The earlier run compared against (null: none) and the index part to resume reading at. */
  previous: z.object({ runId: z.string().nullable(), part: z.number().int().nonnegative() }),
  objects: z.number().int().nonnegative(),
  copied: z.number().int().nonnegative(),
  reused: z.number().int().nonnegative(),
  /** Objects listed but not copyable (archived in Glacier classes): in the index without `storedAt`. */
  skipped: z.number().int().nonnegative().default(0),
  bytesCopied: z.number().int().nonnegative(),
});
type Cursor = z.infer<typeof Cursor>;

/** One line of an objects index. */
export interface ObjectEntry {
  key: string;
  size: number;
  /** Without quotes, as S3 computes it for the source object. */
  etag: string;
  lastModified: string;
  storageClass: string;
  versionId?: string;
  /** Store key of the copy; absent when the object could not be copied (`skipped`). */
  storedAt?: string;
  /** sha256 (hex) of the stored bytes, when known. */
  sha256?: string;
  /** Where content type, metadata and tags are: on the stored copy, or in this entry. */
  attributes: 'copy' | 'index';
  contentType?: string;
  metadata?: Record<string, string>;
  tags?: Tag[];
  headers?: Record<string, string>;
  /** The run that made the copy. */
  copiedIn?: string;
  skipped?: string;
}

const stripQuotes = (etag: string | undefined): string => (etag ?? '').replace(/^"|"$/g, '');
const iso = (date: Date | undefined): string => (date ?? new Date(0)).toISOString();

/** S3 lists keys in UTF-8 byte order; JavaScript compares UTF-16 units. */
const compareKeys = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** CopySource is URL-encoded: spaces, '+', '%', unicode and '?' must not be read as URL syntax. */
const copySource = (bucket: string, key: string, versionId?: string): string =>
  `${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}${versionId ? `?versionId=${encodeURIComponent(versionId)}` : ''}`;

/** Where one version of an object is stored (see the layout above). */
export const objectBlobKey = (
  bucket: string,
  object: { key: string; etag: string; size: number; lastModified: string },
) =>
  `blobs/s3/${segment(bucket)}/${sha256Hex(JSON.stringify([object.key, object.etag, object.size, object.lastModified]))}`;

const isChanged = (error: unknown): boolean =>
  errorName(error) === 'PreconditionFailed' || httpStatus(error) === 412;
const isArchived = (error: unknown): boolean =>
  ['InvalidObjectState', 'ObjectNotInActiveTierError'].includes(errorName(error));

/** A bucket setting, or null when the bucket has none (S3 answers "not configured" with an error). */
async function setting<T>(
  request: Promise<T>,
  notConfigured: string[],
): Promise<Omit<T, '$metadata'> | null> {
  try {
    const { $metadata: _metadata, ...rest } = (await request) as T & { $metadata?: unknown };
    return rest;
  } catch (error) {
    if (notConfigured.includes(errorName(error))) return null;
    throw error;
  }
}

async function readBucketConfig(s3: S3Client, region: string, bucket: string) {
  const Bucket = bucket;
  const [
    location,
    versioning,
    notifications,
    lifecycle,
    cors,
    encryption,
    tagging,
    policy,
    objectLock,
    publicAccess,
    ownership,
  ] = await Promise.all([
    setting(s3.send(new GetBucketLocationCommand({ Bucket })), []),
    setting(s3.send(new GetBucketVersioningCommand({ Bucket })), []),
    setting(s3.send(new GetBucketNotificationConfigurationCommand({ Bucket })), []),
    setting(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket })), [
      'NoSuchLifecycleConfiguration',
    ]),
    setting(s3.send(new GetBucketCorsCommand({ Bucket })), ['NoSuchCORSConfiguration']),
    setting(s3.send(new GetBucketEncryptionCommand({ Bucket })), [
      'ServerSideEncryptionConfigurationNotFoundError',
    ]),
    setting(s3.send(new GetBucketTaggingCommand({ Bucket })), ['NoSuchTagSet']),
    setting(s3.send(new GetBucketPolicyCommand({ Bucket })), ['NoSuchBucketPolicy']),
    setting(s3.send(new GetObjectLockConfigurationCommand({ Bucket })), [
      'ObjectLockConfigurationNotFoundError',
    ]),
    setting(s3.send(new GetPublicAccessBlockCommand({ Bucket })), ['NoSuchPublicAccessBlockConfiguration']),
    setting(s3.send(new GetBucketOwnershipControlsCommand({ Bucket })), ['OwnershipControlsNotFoundError']),
  ]);
  return {
    format: 1,
    region,
    name: bucket,
    // us-east-1 answers an empty LocationConstraint.
    location: location?.LocationConstraint || 'us-east-1',
    versioning,
    notifications,
    lifecycle,
    cors,
    encryption,
    tags: tagging?.TagSet ?? [],
    policy: policy?.Policy ? JSON.parse(policy.Policy) : null,
    objectLock,
    publicAccessBlock: publicAccess?.PublicAccessBlockConfiguration ?? null,
    ownershipControls: ownership?.OwnershipControls ?? null,
  };
}

const previousRuns = new Map<string, Promise<string | null>>();

/** The latest complete run before `runId` (asked once per process and run), or null. */
export function previousRun(store: BackupStore, runId: string): Promise<string | null> {
  const cacheKey = `${store.url}|${runId}`;
  let found = previousRuns.get(cacheKey);
  if (!found) {
    found = new RunCatalog(store)
      .latestComplete({ before: runId })
      .then((manifest) => manifest?.runId ?? null);
    found.catch(() => previousRuns.delete(cacheKey));
    previousRuns.set(cacheKey, found);
  }
  return found;
}

/**
 * The objects index parts an earlier run wrote for this bucket, in order. A damaged earlier run
 * never blocks a new backup: it only makes this run copy everything.
 */
async function previousIndexParts(
  store: BackupStore,
  runId: string | null,
  item: WorkItem,
): Promise<string[]> {
  if (!runId) return [];
  try {
    const manifest = await new RunCatalog(store).manifest(runId);
    return (manifest ? itemArtifacts(manifest, { region: item.region, kind: KIND, name: item.name }) : [])
      .filter((artifact) => artifact.role === 'objects-index')
      .map((artifact) => artifact.path)
      .sort();
  } catch (error) {
    logger.warn('earlier manifest unreadable, copying every object', { runId, error: String(error) });
    return [];
  }
}

/** Reads an earlier objects index in step with the listing (both in key order). */
class PreviousIndex {
  private reader: AsyncGenerator<unknown> | undefined;
  private current: ObjectEntry | undefined;

  constructor(
    private readonly store: BackupStore,
    private parts: string[],
    private part: number,
  ) {}

  /** The part holding the next entry: where a later step resumes reading. */
  get position(): number {
    return this.part;
  }

  /** The entry for `key`; keys must be asked in ascending order. */
  async lookup(key: string): Promise<ObjectEntry | undefined> {
    for (;;) {
      if (!this.current && !(await this.advance())) return undefined;
      const order = compareKeys((this.current as ObjectEntry).key, key);
      if (order === 0) return this.current;
      if (order > 0) return undefined;
      this.current = undefined;
    }
  }

  private async advance(): Promise<boolean> {
    while (this.part < this.parts.length) {
      this.reader ??= readNdjsonPart(this.store, this.parts[this.part] as string);
      let next: IteratorResult<unknown>;
      try {
        next = await this.reader.next();
      } catch (error) {
        // A damaged earlier index only costs copies: stop comparing against it.
        logger.warn('earlier objects index unreadable, copying the rest', {
          part: this.parts[this.part],
          error: String(error),
        });
        this.parts = [];
        this.reader = undefined;
        return false;
      }
      if (!next.done) {
        this.current = next.value as ObjectEntry;
        return true;
      }
      this.reader = undefined;
      this.part += 1;
    }
    return false;
  }

  async close(): Promise<void> {
    await this.reader?.return(undefined);
  }
}

interface Listed {
  object: _Object;
  previous?: ObjectEntry;
  /** Where the earlier index stood after this object's lookup. */
  part: number;
}

interface Job {
  item: WorkItem;
  context: BackupContext;
  source: S3Client;
  target?: S3Location;
}

const sourceFields = (object: _Object) => ({
  key: object.Key as string,
  size: object.Size ?? 0,
  etag: stripQuotes(object.ETag),
  lastModified: iso(object.LastModified),
  storageClass: object.StorageClass ?? 'STANDARD',
});

/** The object as it is now (after a copy found it changed since the listing); undefined when gone. */
async function refresh(job: Job, key: string): Promise<_Object | undefined> {
  try {
    const head = await job.source.send(new HeadObjectCommand({ Bucket: job.item.name, Key: key }));
    return {
      Key: key,
      ETag: head.ETag,
      Size: head.ContentLength,
      LastModified: head.LastModified,
      StorageClass: head.StorageClass,
    };
  } catch (error) {
    if (isMissingObject(error)) return undefined;
    throw error;
  }
}

const encodeTags = (tags: Tag[]): string =>
  tags.map((tag) => `${encodeURIComponent(tag.Key ?? '')}=${encodeURIComponent(tag.Value ?? '')}`).join('&');

/** Copies an object above the single-copy limit in parts; metadata and tags must be set explicitly. */
async function copyInParts(
  job: Job,
  target: S3Location,
  object: _Object,
  storedAt: string,
): Promise<Partial<ObjectEntry>> {
  const Bucket = job.item.name;
  const Key = object.Key as string;
  const head = await job.source.send(new HeadObjectCommand({ Bucket, Key, IfMatch: object.ETag }));
  const tagging = await job.source.send(
    new GetObjectTaggingCommand({ Bucket, Key, VersionId: head.VersionId }),
  );
  const store = client(S3Client, target.region);
  const destination = { Bucket: target.bucket, Key: target.key(storedAt) };
  const { UploadId } = await store.send(
    new CreateMultipartUploadCommand({
      ...destination,
      ContentType: head.ContentType,
      Metadata: head.Metadata,
      CacheControl: head.CacheControl,
      ContentDisposition: head.ContentDisposition,
      ContentEncoding: head.ContentEncoding,
      ContentLanguage: head.ContentLanguage,
      WebsiteRedirectLocation: head.WebsiteRedirectLocation,
      Tagging: tagging.TagSet?.length ? encodeTags(tagging.TagSet) : undefined,
    }),
  );
  const size = object.Size ?? 0;
  const partBytes = Math.max(
    envNumber('TRIGGERVAULT_S3_COPY_PART_BYTES', DEFAULT_COPY_PART_BYTES),
    Math.ceil(size / MAX_PARTS),
  );
  const ranges = Array.from({ length: Math.ceil(size / partBytes) }, (_, index) => ({
    PartNumber: index + 1,
    range: `bytes=${index * partBytes}-${Math.min(size, (index + 1) * partBytes) - 1}`,
  }));
  const parts: { PartNumber: number; ETag?: string }[] = [];
  try {
    await mapLimit(ranges, 8, async ({ PartNumber, range }) => {
      const response = await store.send(
        new UploadPartCopyCommand({
          ...destination,
          UploadId,
          PartNumber,
          CopySource: copySource(Bucket, Key, head.VersionId),
          CopySourceRange: range,
          CopySourceIfMatch: object.ETag,
        }),
      );
      parts.push({ PartNumber, ETag: response.CopyPartResult?.ETag });
    });
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    await store.send(
      new CompleteMultipartUploadCommand({ ...destination, UploadId, MultipartUpload: { Parts: parts } }),
    );
  } catch (error) {
    await store.send(new AbortMultipartUploadCommand({ ...destination, UploadId })).catch(() => undefined);
    throw error;
  }
  return { versionId: head.VersionId, attributes: 'copy' };
}

/** Server-side copy into an S3 store: one request, S3 keeps metadata and tags and hashes the copy. */
async function copyServerSide(
  job: Job,
  target: S3Location,
  object: _Object,
  storedAt: string,
): Promise<Partial<ObjectEntry>> {
  if ((object.Size ?? 0) > envNumber('TRIGGERVAULT_S3_MULTIPART_COPY_BYTES', DEFAULT_MULTIPART_COPY_BYTES)) {
    return copyInParts(job, target, object, storedAt);
  }
  const response = await client(S3Client, target.region).send(
    new CopyObjectCommand({
      Bucket: target.bucket,
      Key: target.key(storedAt),
      CopySource: copySource(job.item.name, object.Key as string),
      CopySourceIfMatch: object.ETag,
      MetadataDirective: 'COPY',
      TaggingDirective: 'COPY',
      ChecksumAlgorithm: 'SHA256',
    }),
  );
  const checksum = response.CopyObjectResult?.ChecksumSHA256;
  const full = checksum && !checksum.includes('-') && response.CopyObjectResult?.ChecksumType !== 'COMPOSITE';
  return {
    versionId: response.CopySourceVersionId,
    sha256: full ? Buffer.from(checksum, 'base64').toString('hex') : undefined,
    attributes: 'copy',
  };
}

/** Streams an object into a file:// store, hashing it; reads tags only when the object has some. */
async function copyStreaming(job: Job, object: _Object, storedAt: string): Promise<Partial<ObjectEntry>> {
  const Bucket = job.item.name;
  const Key = object.Key as string;
  const response = await job.source.send(new GetObjectCommand({ Bucket, Key, IfMatch: object.ETag }));
  const written = await job.context.store.putStream(
    storedAt,
    response.Body as Readable,
    response.ContentType,
  );
  if (response.ContentLength !== undefined && written.bytes !== response.ContentLength) {
    throw new IntegrityError(
      `s3://${Bucket}/${Key}: stored ${written.bytes} bytes of ${response.ContentLength}`,
    );
  }
  const tags =
    (response.TagCount ?? 0) > 0
      ? ((await job.source.send(new GetObjectTaggingCommand({ Bucket, Key, VersionId: response.VersionId })))
          .TagSet ?? [])
      : [];
  const headers = Object.fromEntries(
    Object.entries({
      CacheControl: response.CacheControl,
      ContentDisposition: response.ContentDisposition,
      ContentEncoding: response.ContentEncoding,
      ContentLanguage: response.ContentLanguage,
      WebsiteRedirectLocation: response.WebsiteRedirectLocation,
    }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return {
    versionId: response.VersionId,
    sha256: written.sha256,
    attributes: 'index',
    contentType: response.ContentType,
    metadata: response.Metadata ?? {},
    tags,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
  };
}

/** Copies one object (following it if it changed since the listing); undefined when it is gone. */
async function copyObject(job: Job, listed: _Object): Promise<ObjectEntry | undefined> {
  let object: _Object | undefined = listed;
  for (let attempt = 0; object; attempt += 1) {
    const fields = sourceFields(object);
    const storedAt = objectBlobKey(job.item.name, fields);
    try {
      const copied = job.target
        ? await copyServerSide(job, job.target, object, storedAt)
        : await copyStreaming(job, object, storedAt);
      return { ...fields, storedAt, copiedIn: job.item.runId, ...copied } as ObjectEntry;
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      if (isArchived(error)) return { ...fields, attributes: 'copy', skipped: 'archived: restore it first' };
      if (!isChanged(error) || attempt >= 3) throw error;
      object = await refresh(job, fields.key);
    }
  }
  return undefined;
}

const unchanged = (previous: ObjectEntry | undefined, object: _Object): previous is ObjectEntry =>
  previous !== undefined &&
  previous.storedAt !== undefined &&
  previous.skipped === undefined &&
  previous.etag === stripQuotes(object.ETag) &&
  previous.size === (object.Size ?? 0) &&
  previous.lastModified === iso(object.LastModified);

/** Lists the bucket after `after`, page by page, each object with its entry in the earlier index. */
async function* listAfter(
  job: Job,
  after: string | undefined,
  budget: StepBudget,
  previous: PreviousIndex,
  state: { exhausted: boolean },
): AsyncGenerator<Listed> {
  let ContinuationToken: string | undefined;
  let listed = 0;
  for (;;) {
    const room = budget.maxItems - listed;
    if (room <= 0 || (listed > 0 && !budget.hasTime())) return;
    const page = await budget.timed(() =>
      job.source.send(
        new ListObjectsV2Command({
          Bucket: job.item.name,
          ContinuationToken,
          StartAfter: ContinuationToken ? undefined : after,
          MaxKeys: Math.min(LIST_PAGE, room),
        }),
      ),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      listed += 1;
      const entry = await previous.lookup(object.Key);
      yield { object, previous: entry, part: previous.position };
    }
    if (!page.IsTruncated || !page.NextContinuationToken) {
      state.exhausted = true;
      return;
    }
    ContinuationToken = page.NextContinuationToken;
  }
}

const STOPPED = Symbol('stopped');

export const s3Bucket: ResourceKind = {
  kind: KIND,
  restore: restoreBucket,

  async discover(region, { patterns }) {
    if (patterns.length === 0) return [];
    const s3 = client(S3Client, region);
    const names: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await s3.send(new ListBucketsCommand({ BucketRegion: region, ContinuationToken }));
      for (const bucket of page.Buckets ?? []) {
        if (bucket.Name && (!bucket.BucketRegion || bucket.BucketRegion === region)) names.push(bucket.Name);
      }
      ContinuationToken = page.ContinuationToken;
    } while (ContinuationToken);
    return selectNames(names, patterns);
  },

  async backup(item, context) {
    const target = context.store.s3;
    if (target?.bucket === item.name) {
      return {
        done: true,
        artifacts: [],
        summary: { skipped: 'the backup store bucket is never backed up into itself' },
      };
    }
    const job: Job = { item, context, source: client(S3Client, item.region), target };
    const budget = new StepBudget(context.deadline, context.chunkItems);
    const artifacts: Artifact[] = [];
    let cursor =
      item.cursor === undefined ? undefined : parseOrThrow(Cursor, item.cursor, 's3-bucket cursor');
    if (!cursor) {
      const config = await readBucketConfig(job.source, item.region, item.name);
      const key = artifactKey(item.runId, item.region, KIND, item.name, 'config.json');
      artifacts.push(await writeJsonArtifact(context.store, key, 'config', config));
      if (!captures(item, 'data')) return configurationOnly(artifacts);
      const runId = await previousRun(context.store, item.runId);
      cursor = {
        chunk: 0,
        previous: { runId, part: 0 },
        objects: 0,
        copied: 0,
        reused: 0,
        skipped: 0,
        bytesCopied: 0,
      };
    }
    const start: Cursor = cursor;
    const chunk = start.chunk + 1;
    const parts = await previousIndexParts(context.store, start.previous.runId, item);
    const previous = new PreviousIndex(context.store, parts, start.previous.part);
    const state = {
      exhausted: false,
      stopped: false,
      started: 0,
      after: start.after,
      part: start.previous.part,
    };
    const counts = { objects: 0, copied: 0, reused: 0, skipped: 0, bytesCopied: 0 };

    const backupOne = async (
      listed: Listed,
    ): Promise<{ listed: Listed; entry?: ObjectEntry } | typeof STOPPED> => {
      if (state.stopped) return STOPPED;
      if (unchanged(listed.previous, listed.object)) {
        counts.reused += 1;
        return {
          listed,
          entry: {
            ...listed.previous,
            storageClass: listed.object.StorageClass ?? listed.previous.storageClass,
          },
        };
      }
      const size = listed.object.Size ?? 0;
      // Start a copy only if it should finish in time (the first one always starts: progress).
      if (state.started > 0 && !budget.hasTime(1000 + size / COPY_BYTES_PER_MS)) {
        state.stopped = true;
        return STOPPED;
      }
      state.started += 1;
      let entry: ObjectEntry | undefined;
      try {
        entry = await copyObject(job, listed.object);
      } catch (error) {
        // The step fails: objects still queued behind this one must not start.
        state.stopped = true;
        throw error;
      }
      if (entry?.storedAt) {
        counts.copied += 1;
        counts.bytesCopied += entry.size;
      } else if (entry?.skipped) {
        counts.skipped += 1;
      }
      return { listed, entry };
    };

    async function* entries(): AsyncGenerator<ObjectEntry> {
      const listing = listAfter(job, start.after, budget, previous, state);
      for await (const outcome of mapOrdered(
        listing,
        envNumber('TRIGGERVAULT_S3_CONCURRENCY', 32),
        backupOne,
      )) {
        if (outcome === STOPPED) {
          state.stopped = true;
          return;
        }
        state.after = outcome.listed.object.Key;
        state.part = outcome.listed.part;
        if (outcome.entry) {
          counts.objects += 1;
          yield outcome.entry;
        }
      }
    }

    try {
      const key = artifactKey(item.runId, item.region, KIND, item.name, partFile('objects', chunk, 'index'));
      const part = await writeNdjsonPart(context.store, key, entries(), {
        role: 'objects-index',
        count: 'objects',
        extraCounts: () => ({ copied: counts.copied, reused: counts.reused }),
      });
      if (part) artifacts.push(part);
    } finally {
      await previous.close();
    }
    const done = state.exhausted && !state.stopped;
    const next: Cursor = {
      chunk,
      after: state.after,
      previous: { runId: start.previous.runId, part: state.part },
      objects: start.objects + counts.objects,
      copied: start.copied + counts.copied,
      reused: start.reused + counts.reused,
      skipped: start.skipped + counts.skipped,
      bytesCopied: start.bytesCopied + counts.bytesCopied,
    };
    const { chunk: _chunk, after: _after, previous: _previous, ...totals } = next;
    return {
      done,
      cursor: done ? undefined : next,
      artifacts,
      summary: {
        ...totals,
        previousRun: start.previous.runId,
        mode: target ? 'server-side copy' : 'streamed',
      },
    };
  },
};

export default s3Bucket;
