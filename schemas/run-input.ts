import { z } from 'zod';
import { Bandwidth } from './bandwidth.js';
import { KindName, RegionName, RunId } from './common.js';
import { Policy } from './policy.js';

const NamePattern = z.string().min(1).max(256);

/** Input of the backup state machine. `{}` is valid: every default is resolved in Plan. */
export const RunInput = z
  .object({
    regions: z.union([z.literal('all'), z.array(RegionName).min(1).max(40)]).optional(),
    include: z.array(KindName).min(1).optional(),
    store: z.string().min(1).max(1024).optional(),
    resume: RunId.optional(),
    /** Re-process only the failed items of a finished run (its dead-lettered items). */
    redrive: z.object({ runId: RunId }).strict().optional(),
    tables: z.array(NamePattern).max(1000).optional(),
    buckets: z.array(NamePattern).max(1000).optional(),
    streams: z.array(NamePattern).max(1000).optional(),
    /** A backup policy, inline (schedules pass theirs; `backup --policy` reads the policy file). */
    policy: Policy.optional(),
    /** Cap on the bytes per second the run moves through the store (`10MB/s`, or bytes). */
    maxBandwidth: Bandwidth.optional(),
  })
  .strict();
export type RunInput = z.infer<typeof RunInput>;

/** What Plan hands to every later state. */
export const RunPlan = z.object({
  runId: RunId,
  store: z.string(),
  regions: z.array(RegionName),
  include: z.array(KindName),
  startedAt: z.string(),
  /** `redrive`: Discover lists only the run's failed items instead of the account's resources. */
  mode: z.enum(['full', 'redrive']).default('full'),
  tables: z.array(NamePattern).default([]),
  buckets: z.array(NamePattern).default([]),
  streams: z.array(NamePattern).default([]),
  policy: Policy.optional(),
  /**
   * Bytes per second through the store for each item (null: no cap). Always present: the state
   * machine hands it on by path, and a path to a missing field fails the execution.
   */
  maxBandwidth: z.number().positive().nullable().default(null),
});
export type RunPlan = z.infer<typeof RunPlan>;
