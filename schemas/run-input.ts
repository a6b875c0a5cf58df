import { z } from 'zod';
import { Bandwidth } from './bandwidth.js';
import { KindName, RegionName, RunId } from './common.js';
import { Policy } from './policy.js';

const NamePattern = z.string().min(1).max(256);
const NamePatterns = z.array(NamePattern).max(1000);

/**
 * Name globs per kind (`{"sqs-queue": ["orders-*"]}`): resources of that kind the run backs up besides
 * those the functions are wired to. A new kind needs no new field.
 */
export const KindNames = z.partialRecord(KindName, NamePatterns);
export type KindNames = z.infer<typeof KindNames>;

/** The per-kind fields of earlier run inputs, still accepted: each is `names[<kind>]`. */
export const NAME_ALIASES = {
  tables: 'dynamodb-table',
  buckets: 's3-bucket',
  streams: 'kinesis-stream',
} as const satisfies Record<string, KindName>;

/** Input of the backup state machine. `{}` is valid: every default is resolved in Plan. */
export const RunInput = z
  .object({
    regions: z.union([z.literal('all'), z.array(RegionName).min(1).max(40)]).optional(),
    include: z.array(KindName).min(1).optional(),
    store: z.string().min(1).max(1024).optional(),
    resume: RunId.optional(),
    /** Re-process only the failed items of a finished run (its dead-lettered items). */
    redrive: z.object({ runId: RunId }).strict().optional(),
    names: KindNames.optional(),
    /** Aliases of `names["dynamodb-table"]`, `names["s3-bucket"]`, `names["kinesis-stream"]`. */
    tables: NamePatterns.optional(),
    buckets: NamePatterns.optional(),
    streams: NamePatterns.optional(),
    /** A backup policy, inline (schedules pass theirs; `backup --policy` reads the policy file). */
    policy: Policy.optional(),
    /**
     * Finalize writes the manifest without a signature (no KMS signing key available: an offline
     * laptop). Every reader refuses such a run unless it is given --allow-unsigned too.
     */
    allowUnsigned: z.boolean().optional(),
    /** Cap on the bytes per second the run moves through the store (`10MB/s`, or bytes). */
    maxBandwidth: Bandwidth.optional(),
  })
  .strict();
export type RunInput = z.infer<typeof RunInput>;

/** A stored plan of an earlier version kept its globs in `tables`/`buckets`/`streams`: read them as `names`. */
const withNames = (stored: unknown): unknown => {
  if (typeof stored !== 'object' || stored === null || 'names' in stored) return stored;
  const record = stored as Record<string, unknown>;
  const names = Object.fromEntries(
    Object.entries(NAME_ALIASES).flatMap(([alias, kind]) =>
      Array.isArray(record[alias]) && record[alias].length ? [[kind, record[alias]]] : [],
    ),
  );
  return { ...record, names };
};

/** What Plan hands to every later state. */
export const RunPlan = z.preprocess(
  withNames,
  z.object({
    runId: RunId,
    store: z.string(),
    regions: z.array(RegionName),
    include: z.array(KindName),
    startedAt: z.string(),
    /** `redrive`: Discover lists only the run's failed items instead of the account's resources. */
    mode: z.enum(['full', 'redrive']).default('full'),
    /** Name globs per kind (see KindNames). */
    names: KindNames.default({}),
    policy: Policy.optional(),
    /** See RunInput.allowUnsigned. */
    allowUnsigned: z.boolean().optional(),
    /**
     * Bytes per second through the store for each item (null: no cap). Always present: the state
     * machine hands it on by path, and a path to a missing field fails the execution.
     */
    maxBandwidth: z.number().positive().nullable().default(null),
  }),
);
export type RunPlan = z.infer<typeof RunPlan>;
