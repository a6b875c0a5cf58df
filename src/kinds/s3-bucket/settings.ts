import {
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
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { errorName } from '../../aws/errors.js';
import type { RestoreContext } from '../../reconcile/context.js';
import type { BucketConfig } from './format.js';
import { tagList, tagRecord } from './object-attributes.js';

/**
 * The bucket settings, each described once for backup and restore: the Get command that reads it
 * and the error names by which S3 says "not configured", what config.json stores of it, and, for the
 * settings a restore reproduces, how it compares (its comparable value, null when unset), which Put
 * command writes it and which Delete command removes it. Restored settings are listed in the order
 * they are written: the policy before the public access block that might refuse it, Object Lock only
 * on a bucket created with it. The notification configuration is stored but left alone by a restore:
 * the s3-notification trigger restore owns it and merges its entries in.
 */

type ConfigKey = Exclude<keyof BucketConfig, 'format' | 'region' | 'name'>;

/** How a restore reproduces a setting; `C` is its comparable value. */
interface Restored<V, C> {
  /** Its name in a restore's field differences. */
  field: string;
  comparable(stored: V): C;
  write(s3: S3Client, Bucket: string, value: NonNullable<C>): Promise<unknown>;
  remove?(s3: S3Client, Bucket: string): Promise<unknown>;
}

interface SettingSpec<K extends ConfigKey, R, C> {
  key: K;
  get(s3: S3Client, Bucket: string): Promise<R>;
  /** The error names by which S3 answers "this bucket has no such setting". */
  notConfigured: string[];
  /** What config.json stores, from the answer (null: not configured). */
  stored(answer: Omit<R, '$metadata'> | null): BucketConfig[K];
  restore?: Restored<BucketConfig[K], C>;
}

/** One row of the table, its types checked where it is written and erased for the loops below. */
interface Setting {
  key: ConfigKey;
  /** The setting of a bucket as config.json stores it. */
  read(s3: S3Client, Bucket: string): Promise<unknown>;
  restore?: {
    field: string;
    desired(config: BucketConfig): unknown;
    live(s3: S3Client, Bucket: string): Promise<unknown>;
    write(s3: S3Client, Bucket: string, value: unknown): Promise<unknown>;
    remove?(s3: S3Client, Bucket: string): Promise<unknown>;
  };
}

/** A setting's answer without the response metadata, or null when the bucket has none. */
async function answerOf<R>(
  request: Promise<R>,
  notConfigured: string[],
): Promise<Omit<R, '$metadata'> | null> {
  try {
    const { $metadata: _metadata, ...rest } = (await request) as R & { $metadata?: unknown };
    return rest;
  } catch (error) {
    if (notConfigured.includes(errorName(error))) return null;
    throw error;
  }
}

function setting<K extends ConfigKey, R, C>(spec: SettingSpec<K, R, C>): Setting {
  const read = async (s3: S3Client, Bucket: string) =>
    spec.stored(await answerOf(spec.get(s3, Bucket), spec.notConfigured));
  const restore = spec.restore;
  return {
    key: spec.key,
    read,
    restore: restore && {
      field: restore.field,
      desired: (config) => restore.comparable(config[spec.key]),
      live: async (s3, Bucket) => restore.comparable(await read(s3, Bucket)),
      // Only ever given what `comparable` returned (a restore writes no null: it removes instead).
      write: (s3, Bucket, value) => restore.write(s3, Bucket, value as NonNullable<C>),
      remove: restore.remove,
    },
  };
}

const SETTINGS: Setting[] = [
  setting({
    key: 'location',
    get: (s3, Bucket) => s3.send(new GetBucketLocationCommand({ Bucket })),
    notConfigured: [],
    // us-east-1 answers an empty LocationConstraint.
    stored: (answer) => answer?.LocationConstraint || 'us-east-1',
  }),
  setting({
    key: 'notifications',
    get: (s3, Bucket) => s3.send(new GetBucketNotificationConfigurationCommand({ Bucket })),
    notConfigured: [],
    stored: (answer) => answer,
  }),
  setting({
    key: 'ownershipControls',
    get: (s3, Bucket) => s3.send(new GetBucketOwnershipControlsCommand({ Bucket })),
    notConfigured: ['OwnershipControlsNotFoundError'],
    stored: (answer) => answer?.OwnershipControls ?? null,
    restore: {
      field: 'OwnershipControls',
      comparable: (stored) => stored?.Rules ?? null,
      write: (s3, Bucket, Rules) =>
        s3.send(new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules } })),
      remove: (s3, Bucket) => s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket })),
    },
  }),
  setting({
    key: 'versioning',
    get: (s3, Bucket) => s3.send(new GetBucketVersioningCommand({ Bucket })),
    notConfigured: [],
    stored: (answer) => answer,
    restore: {
      field: 'Versioning',
      comparable: (stored) => stored?.Status ?? null,
      write: (s3, Bucket, Status) =>
        s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status } })),
      // Versioning once enabled can only be suspended.
      remove: (s3, Bucket) =>
        s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended' } })),
    },
  }),
  setting({
    key: 'objectLock',
    get: (s3, Bucket) => s3.send(new GetObjectLockConfigurationCommand({ Bucket })),
    notConfigured: ['ObjectLockConfigurationNotFoundError'],
    stored: (answer) => answer,
    restore: {
      field: 'ObjectLock',
      comparable: (stored) => stored?.ObjectLockConfiguration ?? null,
      write: (s3, Bucket, ObjectLockConfiguration) =>
        s3.send(new PutObjectLockConfigurationCommand({ Bucket, ObjectLockConfiguration })),
    },
  }),
  setting({
    key: 'encryption',
    get: (s3, Bucket) => s3.send(new GetBucketEncryptionCommand({ Bucket })),
    notConfigured: ['ServerSideEncryptionConfigurationNotFoundError'],
    stored: (answer) => answer,
    restore: {
      field: 'Encryption',
      comparable: (stored) => stored?.ServerSideEncryptionConfiguration?.Rules ?? null,
      write: (s3, Bucket, Rules) =>
        s3.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules } })),
      remove: (s3, Bucket) => s3.send(new DeleteBucketEncryptionCommand({ Bucket })),
    },
  }),
  setting({
    key: 'cors',
    get: (s3, Bucket) => s3.send(new GetBucketCorsCommand({ Bucket })),
    notConfigured: ['NoSuchCORSConfiguration'],
    stored: (answer) => answer,
    restore: {
      field: 'Cors',
      comparable: (stored) => stored?.CORSRules ?? null,
      write: (s3, Bucket, CORSRules) =>
        s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules } })),
      remove: (s3, Bucket) => s3.send(new DeleteBucketCorsCommand({ Bucket })),
    },
  }),
  setting({
    key: 'lifecycle',
    get: (s3, Bucket) => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket })),
    notConfigured: ['NoSuchLifecycleConfiguration'],
    stored: (answer) => answer,
    restore: {
      field: 'Lifecycle',
      comparable: (stored) => stored?.Rules ?? null,
      write: (s3, Bucket, Rules) =>
        s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } })),
      remove: (s3, Bucket) => s3.send(new DeleteBucketLifecycleCommand({ Bucket })),
    },
  }),
  setting({
    key: 'tags',
    get: (s3, Bucket) => s3.send(new GetBucketTaggingCommand({ Bucket })),
    notConfigured: ['NoSuchTagSet'],
    stored: (answer) => answer?.TagSet ?? [],
    restore: {
      field: 'Tags',
      comparable: (stored) => tagRecord(stored),
      // No tags: the tag set is deleted.
      write: (s3, Bucket, tags) =>
        Object.keys(tags).length
          ? s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: tagList(tags) } }))
          : s3.send(new DeleteBucketTaggingCommand({ Bucket })),
    },
  }),
  setting({
    key: 'policy',
    get: (s3, Bucket) => s3.send(new GetBucketPolicyCommand({ Bucket })),
    notConfigured: ['NoSuchBucketPolicy'],
    stored: (answer) => (answer?.Policy ? JSON.parse(answer.Policy) : null),
    restore: {
      field: 'Policy',
      comparable: (stored) => stored ?? null,
      write: (s3, Bucket, policy) =>
        s3.send(new PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify(policy) })),
      remove: (s3, Bucket) => s3.send(new DeleteBucketPolicyCommand({ Bucket })),
    },
  }),
  setting({
    key: 'publicAccessBlock',
    get: (s3, Bucket) => s3.send(new GetPublicAccessBlockCommand({ Bucket })),
    notConfigured: ['NoSuchPublicAccessBlockConfiguration'],
    stored: (answer) => answer?.PublicAccessBlockConfiguration ?? null,
    restore: {
      field: 'PublicAccessBlock',
      comparable: (stored) => stored ?? null,
      write: (s3, Bucket, PublicAccessBlockConfiguration) =>
        s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration })),
      remove: (s3, Bucket) => s3.send(new DeletePublicAccessBlockCommand({ Bucket })),
    },
  }),
];

const RESTORED = SETTINGS.flatMap((row) => (row.restore ? [row.restore] : []));

/** Backup: every setting of a bucket, as config.json stores them. */
export async function readBucketConfig(s3: S3Client, region: string, bucket: string): Promise<BucketConfig> {
  const values = await Promise.all(SETTINGS.map((row) => row.read(s3, bucket)));
  // Each value has its key's type: `setting` checks it row by row.
  return {
    format: 1,
    region,
    name: bucket,
    ...Object.fromEntries(SETTINGS.map((row, index) => [row.key, values[index]])),
  } as BucketConfig;
}

/** The comparable values of the restored settings, by field. */
export type Shape = Record<string, unknown>;

/** Restore: the recorded settings as the target must have them, ARNs (policy resources, KMS keys) mapped. */
export function desiredShape(config: BucketConfig, context: RestoreContext, notes: string[]): Shape {
  const shape = Object.fromEntries(RESTORED.map((restored) => [restored.field, restored.desired(config)]));
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

/** Restore: the restored settings of an existing bucket, comparable with `desiredShape`. */
export async function liveShape(s3: S3Client, bucket: string): Promise<Shape> {
  const values = await Promise.all(RESTORED.map((restored) => restored.live(s3, bucket)));
  return Object.fromEntries(RESTORED.map((restored, index) => [restored.field, values[index]]));
}

/** Restore: writes the settings named in `fields` (all when undefined) as `desired` has them; unset ones are removed. */
export async function applySettings(s3: S3Client, bucket: string, desired: Shape, fields?: Set<string>) {
  for (const restored of RESTORED) {
    if (fields && !fields.has(restored.field)) continue;
    const value = desired[restored.field];
    if (value !== null) await restored.write(s3, bucket, value);
    else if (fields) await restored.remove?.(s3, bucket);
  }
}
