import { z } from 'zod';
import { KindName, RegionName } from './common.js';

/** One configuration field that differs from the previous run (values only where they are safe to show). */
export const FieldDifference = z.object({
  field: z.string(),
  from: z.unknown().optional(),
  to: z.unknown().optional(),
});
export type FieldDifference = z.infer<typeof FieldDifference>;

/** Who changed a function, from CloudTrail `LookupEvents`. */
export const AuditEvent = z.object({
  time: z.string(),
  event: z.string(),
  user: z.string().optional(),
  source: z.string().optional(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

/** What changed in one function since the previous run that covered it. */
export const FunctionChange = z.object({
  region: RegionName,
  name: z.string(),
  change: z.enum(['added', 'removed', 'modified']),
  code: z.object({ from: z.string().optional(), to: z.string().optional() }).optional(),
  config: z.array(FieldDifference).optional(),
  triggers: z.object({ added: z.array(z.string()), removed: z.array(z.string()) }).optional(),
  who: z.array(AuditEvent).optional(),
});
export type FunctionChange = z.infer<typeof FunctionChange>;

/** The audit trail of a run: changes since the previous run, and whether CloudTrail could say who. */
export const ChangeReport = z.object({
  previousRunId: z.string().optional(),
  functions: z.array(FunctionChange),
  cloudTrail: z
    .object({
      available: z.boolean(),
      reason: z.string().optional(),
      regions: z.array(RegionName).optional(),
    })
    .optional(),
});
export type ChangeReport = z.infer<typeof ChangeReport>;

/** An AWS Backup recovery point made by a run (restore can use it instead of our export). */
export const RecoveryPoint = z.object({
  region: RegionName,
  kind: KindName,
  name: z.string(),
  resourceArn: z.string(),
  vault: z.string(),
  recoveryPointArn: z.string(),
  jobId: z.string(),
  state: z.string(),
  copies: z
    .array(z.object({ vaultArn: z.string(), recoveryPointArn: z.string().optional(), state: z.string() }))
    .default([]),
});
export type RecoveryPoint = z.infer<typeof RecoveryPoint>;

/** What the deletion alarm counts, since the previous complete run. */
export const DELETION_UNITS = ['functions', 'triggers', 'objects', 'items', 'records'] as const;
export const DeletionUnit = z.enum(DELETION_UNITS);
export type DeletionUnit = z.infer<typeof DeletionUnit>;

/** How many of one unit disappeared since the previous run, of how many it held (in the regions and kinds both runs covered). */
export const DeletionCount = z.object({
  previous: z.number().int().nonnegative(),
  deleted: z.number().int().nonnegative(),
  /** deleted / previous, in percent (0 when the previous run held none). */
  share: z.number().nonnegative(),
  /** What disappeared, by name (capped): functions, triggers, object keys; tables and streams with how many fewer. */
  names: z.array(z.string()),
  /** Counted entry by entry (functions, triggers, objects), or as the drop of a count (items, records). */
  exact: z.boolean(),
});
export type DeletionCount = z.infer<typeof DeletionCount>;

/** The mass-deletion thresholds: a share of what the previous run held (percent), or a count (0: off). */
export const DeletionThresholds = z.object({
  share: z.number().min(0).max(100),
  count: z.number().int().nonnegative(),
});
export type DeletionThresholds = z.infer<typeof DeletionThresholds>;

/** What disappeared since the previous complete run (of the same policy), per unit. */
export const DeletionReport = z.object({
  previousRunId: z.string(),
  units: z.partialRecord(DeletionUnit, DeletionCount),
  thresholds: DeletionThresholds,
  /** The units whose deletions reached a threshold: a mass deletion (the alarm's condition). */
  massDeletion: z.array(DeletionUnit),
});
export type DeletionReport = z.infer<typeof DeletionReport>;
