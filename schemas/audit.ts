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
