import type {
  GetBucketCorsOutput,
  GetBucketEncryptionOutput,
  GetBucketLifecycleConfigurationOutput,
  GetBucketVersioningOutput,
  GetObjectLockConfigurationOutput,
  NotificationConfiguration,
  OwnershipControls,
  PublicAccessBlockConfiguration,
  Tag as S3Tag,
} from '@aws-sdk/client-s3';
import { z } from 'zod';
import { parseOrThrow } from '../../../schemas/common.js';

/**
 * What an S3 bucket backup writes and reads back: the bucket's config.json, the lines of its objects
 * index, the backup step's cursor and the summary a restore reads. Everything read back is parsed with
 * these schemas.
 */

/**
 * An AWS SDK shape stored as S3 answered it: the fields the code relies on are checked, the rest is
 * kept as it is, and the result is typed as the SDK type.
 */
const sdkShape = <T>(fields: z.core.$ZodLooseShape) => z.looseObject(fields) as unknown as z.ZodType<T>;

const rules = z.array(z.looseObject({})).optional();

export const Tag = sdkShape<S3Tag>({ Key: z.string().optional(), Value: z.string().optional() });

/** config.json: every bucket setting as read at backup time (null: not configured). */
export const BucketConfig = z.object({
  format: z.literal(1),
  region: z.string(),
  name: z.string(),
  /** The bucket's region (S3 answers an empty LocationConstraint for us-east-1; stored as us-east-1). */
  location: z.string(),
  versioning: sdkShape<GetBucketVersioningOutput>({ Status: z.string().optional() }).nullable(),
  /** Stored for the record; the s3-notification trigger restores notifications. */
  notifications: sdkShape<NotificationConfiguration>({}).nullable(),
  lifecycle: sdkShape<GetBucketLifecycleConfigurationOutput>({ Rules: rules }).nullable(),
  cors: sdkShape<GetBucketCorsOutput>({ CORSRules: rules }).nullable(),
  encryption: sdkShape<GetBucketEncryptionOutput>({
    ServerSideEncryptionConfiguration: z.looseObject({ Rules: rules }).optional(),
  }).nullable(),
  tags: z.array(Tag),
  /** The bucket policy, parsed from its JSON text. */
  policy: z.record(z.string(), z.unknown()).nullable(),
  objectLock: sdkShape<GetObjectLockConfigurationOutput>({
    ObjectLockConfiguration: z.looseObject({ ObjectLockEnabled: z.string().optional() }).optional(),
  }).nullable(),
  publicAccessBlock: sdkShape<PublicAccessBlockConfiguration>({}).nullable(),
  ownershipControls: sdkShape<OwnershipControls>({ Rules: rules }).nullable(),
});
export type BucketConfig = z.infer<typeof BucketConfig>;

/** One line of an objects index. */
export const ObjectEntry = z.object({
  key: z.string(),
  size: z.number().int().nonnegative(),
  /** Without quotes, as S3 computes it for the source object. */
  etag: z.string(),
  lastModified: z.string(),
  storageClass: z.string(),
  versionId: z.string().optional(),
  /** Store key of the copy; absent when the object could not be copied (`skipped`). */
  storedAt: z.string().optional(),
  /** sha256 (hex) of the stored bytes, when known. */
  sha256: z.string().optional(),
  /**
   * The stored copy's own ETag (S3 stores), recorded when the copy was made: `verify` compares it
   * with the store's listing without reading the copy, and a restore copies only while it matches.
   */
  storedEtag: z.string().optional(),
  /** Where content type, metadata and tags are: on the stored copy, or in this entry. */
  attributes: z.enum(['copy', 'index']),
  contentType: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  tags: z.array(Tag).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** The run that made the copy. */
  copiedIn: z.string().optional(),
  skipped: z.string().optional(),
});
export type ObjectEntry = z.infer<typeof ObjectEntry>;

/** An entry whose object has a copy in the store (archived objects have none). */
export type StoredEntry = ObjectEntry & { storedAt: string };
export const isStored = (entry: ObjectEntry): entry is StoredEntry => entry.storedAt !== undefined;

/**
 * One index line parsed; `where` names it in the error (computed only on failure: indexes are read
 * line by line, millions of lines for a large bucket).
 */
export function objectEntryOf(line: unknown, where: () => string): ObjectEntry {
  const parsed = ObjectEntry.safeParse(line);
  return parsed.success ? parsed.data : parseOrThrow(ObjectEntry, line, where());
}

/** A copy in parts (an object above 5 GB) a step left open; its parts are in the checkpoint (large-copy.ts). */
export const LargeCopy = z.object({
  key: z.string(),
  uploadId: z.string(),
  partsDone: z.number().int().nonnegative(),
  /** Store key of the checkpoint holding the upload and its copied parts. */
  checkpoint: z.string(),
});
export type LargeCopy = z.infer<typeof LargeCopy>;

/** Where a backup that returned `done: false` continues. */
export const BackupCursor = z.object({
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
  /** Keys of the earlier index no longer listed (deleted objects), with some of them. */
  deleted: z.number().int().nonnegative().default(0),
  deletedKeys: z.array(z.string()).default([]),
  /** False once the earlier index turned out unreadable: `deleted` is then a lower bound. */
  deletedComplete: z.boolean().default(true),
  /** Copies in parts left open by the step (resumed from their checkpoints by the next one). */
  largeCopies: z.array(LargeCopy).optional(),
});
export type BackupCursor = z.infer<typeof BackupCursor>;

/** How many deleted keys a summary names (the count is exact). */
export const DELETED_KEYS_SAMPLE = 20;

/** The parts of a backup's summary (in the manifest) that a restore reads. */
export const BackupSummary = z.looseObject({
  /** Set when a policy left the data out (configuration only). */
  notCaptured: z.array(z.string()).optional(),
  /**
   * A number: objects archived when backed up, in the index without a stored copy. A text: why the
   * bucket itself was skipped (the backup store bucket).
   */
  skipped: z.union([z.number(), z.string()]).optional(),
});
export type BackupSummary = z.infer<typeof BackupSummary>;

const DeletionSummary = z.looseObject({
  previousRun: z.string(),
  deleted: z.number().int().nonnegative(),
  deletedKeys: z.array(z.string()).default([]),
});

/** The objects a bucket's backup found gone since the run it compared with (undefined: it compared with none). */
export function deletedObjects(item: { summary?: Record<string, unknown> }) {
  const summary = DeletionSummary.safeParse(item.summary ?? {});
  if (!summary.success) return undefined;
  const { previousRun, deleted, deletedKeys } = summary.data;
  return { previousRun, count: deleted, sample: deletedKeys };
}
