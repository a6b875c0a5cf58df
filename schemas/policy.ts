import { z } from 'zod';
import { KIND_NAMES, KindName, RegionName } from './common.js';
import { scheduleProblem } from './schedule-expression.js';

/**
 * Backup policies (`triggervault.policy.yaml`, or one policy inline in the run input): what a
 * policy selects, when it runs, how long its runs are kept, what every run must capture, and where
 * AWS Backup and copies come in. Every field but `name` has a default.
 */

export const CRITICAL_ATTRIBUTES = ['code', 'config', 'triggers', 'data'] as const;
/** What a run must capture: function code, configuration, triggers, event-source data. */
export const CriticalAttribute = z.enum(CRITICAL_ATTRIBUTES);
export type CriticalAttribute = z.infer<typeof CriticalAttribute>;

export const PolicyName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'must be 1-48 lowercase letters, digits or -, starting with one');

const Glob = z.string().min(1).max(256);
const Count = z.number().int().min(0).max(10_000);
const ArnOf = (service: string) =>
  z.string().regex(new RegExp(`^arn:aws[a-z-]*:${service}:`), `must be an ${service} ARN`);

export const Selection = z
  .object({
    /** Regions, or `all` (every enabled region, or TRIGGERVAULT_REGIONS). */
    regions: z.union([z.literal('all'), z.array(RegionName).min(1).max(40)]).default('all'),
    kinds: z
      .array(KindName)
      .min(1)
      .default([...KIND_NAMES]),
    /** Globs on resource names, for every kind (functions, tables, buckets, streams). */
    names: z.array(Glob).min(1).max(1000).default(['*']),
    /** Every tag listed must be on the resource with this value (`*` accepts any value). */
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
  })
  .strict();
export type Selection = z.infer<typeof Selection>;

/** Schedule expression of EventBridge Scheduler: `rate(1 day)` or `cron(0 3 * * ? *)`. */
export const ScheduleExpression = z.string().superRefine((value, context) => {
  const problem = scheduleProblem(value);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});

export const Retention = z
  .object({
    /** The newest N complete runs. */
    keepLast: Count.default(7),
    /** The newest run of each of the last N days (weeks, months, years) that have runs. */
    daily: Count.default(7),
    weekly: Count.default(4),
    monthly: Count.default(12),
    yearly: Count.default(0),
    /** Runs younger than this are never deleted, whatever the buckets say. */
    minAgeDays: z.number().min(0).max(36_500).default(1),
    /** A run without a manifest older than this is an abandoned attempt, and goes. */
    incompleteAfterDays: z.number().min(1).max(36_500).default(7),
    /**
     * While the newest complete run recorded a mass deletion (the mass-deletion alarm's condition:
     * functions, triggers, objects, items or records gone past the threshold), delete none of the
     * policy's runs: the runs from before the deletion stay until a run without one follows.
     */
    holdOnMassDeletion: z.boolean().default(false),
  })
  .strict();
export type Retention = z.infer<typeof Retention>;

export const VaultLock = z
  .object({
    minRetentionDays: z.number().int().min(1).max(36_500),
    maxRetentionDays: z.number().int().min(1).max(36_500).optional(),
    /** Days before the lock becomes immutable (compliance mode); omitted = governance mode. */
    changeableForDays: z.number().int().min(3).max(36_500).optional(),
  })
  .strict()
  .refine((lock) => lock.maxRetentionDays === undefined || lock.maxRetentionDays >= lock.minRetentionDays, {
    message: 'must not be less than minRetentionDays',
    path: ['maxRetentionDays'],
  });

export const AwsBackupConfig = z
  .object({
    /** `instead` of our own data export, or `besides` it. */
    mode: z.enum(['instead', 'besides']).default('besides'),
    kinds: z
      .array(z.enum(['dynamodb-table', 's3-bucket']))
      .min(1)
      .default(['dynamodb-table', 's3-bucket']),
    vault: z
      .object({
        name: z.string().regex(/^[a-zA-Z0-9_-]{2,50}$/, 'must be 2-50 letters, digits, - or _'),
        /** KMS key of the vault; omitted: the triggervault key (alias/triggervault) of the region. */
        kmsKeyArn: ArnOf('kms').optional(),
        lock: VaultLock.optional(),
      })
      .strict(),
    /** The role AWS Backup assumes to read the resources (AWSBackupDefaultServiceRole or your own). */
    iamRoleArn: ArnOf('iam'),
    deleteAfterDays: z.number().int().min(1).max(36_500).optional(),
    /** Copy each recovery point to vaults in other regions or accounts. */
    copyTo: z
      .array(
        z
          .object({
            vaultArn: ArnOf('backup'),
            deleteAfterDays: z.number().int().min(1).max(36_500).optional(),
          })
          .strict(),
      )
      .max(5)
      .default([]),
    /** Seconds between DescribeBackupJob polls while waiting. */
    pollSeconds: z.number().min(0).max(300).default(30),
  })
  .strict();
export type AwsBackupConfig = z.infer<typeof AwsBackupConfig>;

/** A copy of every finished run: a bucket in another region, or a local/on-premises directory. */
export const CopyTarget = z
  .object({
    /** `s3://bucket[/prefix]` or `file:///directory`. */
    store: z.string().regex(/^(s3|file):\/\/.+/, 'must be s3://bucket[/prefix] or file:///directory'),
    /** Region of the target bucket (required for s3://, ignored for file://). */
    region: RegionName.optional(),
    /** file:// copies: envelope-encrypt every file with a data key of this KMS key (id, ARN or alias). */
    encryptKey: z.string().min(1).max(2048).optional(),
  })
  .strict()
  .refine((copy) => !copy.store.startsWith('s3://') || copy.region !== undefined, {
    message: 'is required for an s3:// copy',
    path: ['region'],
  })
  .refine((copy) => !copy.encryptKey || copy.store.startsWith('file://'), {
    message: 'is for file:// copies (an s3:// copy is SSE-KMS encrypted)',
    path: ['encryptKey'],
  });
export type CopyTarget = z.infer<typeof CopyTarget>;

export const Policy = z
  .object({
    name: PolicyName,
    description: z.string().max(500).optional(),
    select: Selection.prefault({}),
    schedule: ScheduleExpression.default('rate(1 day)'),
    /** IANA time zone the cron expression is read in. */
    timezone: z
      .string()
      .refine(
        (zone) => {
          try {
            new Intl.DateTimeFormat('en-US', { timeZone: zone });
            return true;
          } catch {
            return false;
          }
        },
        { message: 'must be an IANA time zone such as Europe/Paris' },
      )
      .default('UTC'),
    retention: Retention.prefault({}),
    critical: z
      .array(CriticalAttribute)
      .min(1)
      .default([...CRITICAL_ATTRIBUTES])
      .refine((attributes) => attributes.includes('config'), {
        message: 'must include config: every backup captures configuration',
      }),
    awsBackup: AwsBackupConfig.optional(),
    copies: z.array(CopyTarget).max(5).default([]),
  })
  .strict();
export type Policy = z.infer<typeof Policy>;
export type PolicyInput = z.input<typeof Policy>;

export const POLICY_FILE_FORMAT = 1;

export const PolicyFile = z
  .object({
    version: z.literal(POLICY_FILE_FORMAT, { message: `must be ${POLICY_FILE_FORMAT}` }).default(1),
    /** Retention of runs made without a policy (manual `backup`); omitted: such runs are kept. */
    retention: Retention.optional(),
    policies: z.array(Policy).min(1).max(50),
  })
  .strict()
  .superRefine((file, context) => {
    const seen = new Set<string>();
    file.policies.forEach((policy, index) => {
      if (seen.has(policy.name))
        context.addIssue({
          code: 'custom',
          path: ['policies', index, 'name'],
          message: `duplicate policy name "${policy.name}"`,
        });
      seen.add(policy.name);
    });
  });
export type PolicyFile = z.infer<typeof PolicyFile>;

/** A work item as a policy-aware step sees it: what the run must capture for it. */
export interface AttributeSelection {
  attributes?: CriticalAttribute[];
}
