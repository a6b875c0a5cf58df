import { z } from 'zod';
import { Bandwidth } from './bandwidth.js';
import { KindName, RegionName, ResourceName, RunId } from './common.js';

/** `kind:glob` — which stored resources a restore selects (`lambda-function:orders-*`). */
export const Selector = z
  .string()
  .regex(/^[a-z0-9-]+:.+$/, 'must be kind:name, such as lambda-function:orders-*')
  .transform((value) => {
    const at = value.indexOf(':');
    return { kind: value.slice(0, at), name: value.slice(at + 1) };
  })
  .pipe(z.object({ kind: KindName, name: z.string().min(1) }));

/** A name suffix for a scratch namespace: safe in function, layer, rule and schedule names. */
export const NameSuffix = z.string().regex(/^[A-Za-z0-9_-]{1,24}$/, 'must be 1-24 letters, digits, - or _');

const ArnLike = z.string().regex(/^arn:[^:]+:[^:]+:/, 'must be an ARN');

/** A point in time as the state machines take it: ISO 8601 with a zone (`Z` or an offset). */
export const PointInTime = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 time with a zone, such as 2026-11-25T14:00:00Z',
});

/** Exactly one of `run` and `asOf` says what a restore or drill restores. */
const oneSource = (input: { run?: string; asOf?: string }, context: z.core.$RefinementCtx) => {
  if (input.run !== undefined && input.asOf !== undefined)
    context.addIssue({ code: 'custom', path: ['asOf'], message: 'cannot be combined with run' });
};

/** Input of the restore state machine: a run, or a point in time (`asOf`: per resource, the newest run holding it). */
export const RestoreInput = z
  .object({
    store: z.string().min(1).max(1024),
    run: RunId.optional(),
    asOf: PointInTime.optional(),
    regions: z.array(RegionName).min(1).max(40).optional(),
    targetRegion: RegionName.optional(),
    only: z.array(Selector).max(1000).optional(),
    nameSuffix: NameSuffix.optional(),
    roleMap: z.record(ArnLike, ArnLike).optional(),
    dryRun: z.boolean().default(false),
    force: z.boolean().default(false),
    /** Re-associate Lambda@Edge functions with their distributions (redeploys the distribution). */
    edge: z.boolean().default(false),
    /** Where restored stream mappings start reading: LATEST (default) or the recorded position. */
    startingPosition: z.enum(['LATEST', 'RECORDED']).default('LATEST'),
    /** Accept a run whose manifest is unsigned (written with --allow-unsigned); a forged signature never. */
    allowUnsigned: z.boolean().default(false),
    /** Tables and buckets from the AWS Backup recovery points the run made, instead of its own export. */
    fromRecoveryPoints: z.boolean().default(false),
    /** Deploy again the stages of REST APIs whose methods or integrations the restore re-created. */
    redeployStage: z.boolean().default(false),
    /** Cap on the bytes per second this restore moves through the store (`10MB/s`, or bytes). */
    maxBandwidth: Bandwidth.optional(),
  })
  .strict()
  .superRefine((input, context) => {
    oneSource(input, context);
    if (input.run === undefined && input.asOf === undefined)
      context.addIssue({ code: 'custom', path: ['run'], message: 'is required (or asOf, a point in time)' });
  });
export type RestoreInput = z.input<typeof RestoreInput>;
export type RestoreOptions = z.output<typeof RestoreInput>;

/**
 * Input of a restore drill (`{"drill": true}`, what the schedule sends): the latest complete run of
 * the store (TRIGGERVAULT_STORE unless given) into a scratch namespace, compared, cleaned up.
 */
export const DrillInput = z
  .object({
    drill: z.literal(true),
    store: z.string().min(1).max(1024).optional(),
    run: RunId.optional(),
    /** Drill the point in time instead of the latest complete run. */
    asOf: PointInTime.optional(),
    regions: z.array(RegionName).min(1).max(40).optional(),
    /** A scratch region to restore into (one source region); the names get the drill's suffix all the same. */
    targetRegion: RegionName.optional(),
    only: z.array(Selector).max(1000).optional(),
    roleMap: z.record(ArnLike, ArnLike).optional(),
    allowUnsigned: z.boolean().optional(),
    maxBandwidth: Bandwidth.optional(),
  })
  .strict()
  .superRefine(oneSource);
export type DrillInput = z.input<typeof DrillInput>;

/** Everything the ARN mapper needs; plain JSON so it can be stored with the plan. */
export const ArnMapSpec = z.object({
  sourceRegion: RegionName,
  targetRegion: RegionName,
  sourceAccount: z.string(),
  targetAccount: z.string(),
  suffix: z.string().optional(),
  /** Original names, per kind of name, that this restore re-creates (and so renames with the suffix). */
  restored: z.record(z.string(), z.array(z.string())),
  roles: z.record(z.string(), z.string()),
  /** REST/HTTP API ids of the source region and the API that stands for each in the target region. */
  apiIds: z.record(z.string(), z.string()),
  /** Old layer version ARN → the layer version that holds the same code in the target region. */
  layerVersions: z.record(z.string(), z.string()),
  /** Per original function name: stored version number → the number it got when republished. */
  functionVersions: z.record(z.string(), z.record(z.string(), z.string())),
});
export type ArnMapSpec = z.infer<typeof ArnMapSpec>;

export const TriggerRef = z.object({ function: ResourceName, type: z.string(), id: z.string() });
export type TriggerRef = z.infer<typeof TriggerRef>;

/**
 * An AWS Backup recovery point a resource is restored from (StartRestoreJob), instead of the run's
 * own export: asked for (`fromRecoveryPoints`), or the only copy of its data (AWS Backup `instead`).
 */
export const PlannedRecoveryPoint = z.object({
  recoveryPointArn: z.string().min(1),
  /** The vault holding it (name), in `region`: the primary point's, or a copy's in the target region. */
  vault: z.string().min(1),
  region: RegionName,
  /** The role AWS Backup assumes to create the resource (the run's policy `awsBackup.iamRoleArn`). */
  iamRoleArn: z.string().min(1),
  /** Seconds between DescribeRestoreJob polls (the run's policy `awsBackup.pollSeconds`). */
  pollSeconds: z.number().min(0).max(300).default(30),
  why: z.enum(['asked', 'only-copy']),
});
export type PlannedRecoveryPoint = z.infer<typeof PlannedRecoveryPoint>;

/** The stored plan of one region: what to restore there, and how names and ARNs map. */
export const RegionPlan = z.object({
  source: RegionName,
  target: RegionName,
  mapping: ArnMapSpec,
  /** `run`: the run the resource comes from, when not the plan's (a point-in-time restore records each). */
  resources: z.array(
    z.object({
      kind: KindName,
      name: ResourceName,
      run: RunId.optional(),
      recoveryPoint: PlannedRecoveryPoint.optional(),
    }),
  ),
  /** Triggers grouped so that those sharing a source (one bucket's notification configuration) run in order. */
  triggerGroups: z.array(z.object({ key: z.string(), triggers: z.array(TriggerRef) })),
  /** Items not restored: `blocked` when there is nothing to restore from, `skipped` when the kind cannot restore yet. */
  skipped: z.array(
    z.object({
      kind: z.string(),
      name: z.string(),
      reason: z.string(),
      action: z.enum(['skipped', 'blocked']).default('skipped'),
    }),
  ),
});
export type RegionPlan = z.infer<typeof RegionPlan>;

export const RestorePlan = z.object({
  format: z.literal(1),
  restoreId: z.string(),
  /** The run restored; for a point in time, the newest run at or before it (the restore is kept beside it). */
  run: RunId,
  /** A point-in-time restore: each resource from the newest run at or before this time that holds it. */
  asOf: z.string().optional(),
  store: z.string(),
  createdAt: z.string(),
  options: z.object({
    dryRun: z.boolean(),
    force: z.boolean(),
    edge: z.boolean(),
    startingPosition: z.enum(['LATEST', 'RECORDED']),
    nameSuffix: z.string().optional(),
    /** A drill: everything this restore creates is scratch, deleted again by the drill's cleanup. */
    drill: z.boolean().optional(),
    /** The run may be unsigned (RestoreInput.allowUnsigned). */
    allowUnsigned: z.boolean().optional(),
    fromRecoveryPoints: z.boolean().optional(),
    redeployStage: z.boolean().optional(),
    /** Bytes per second through the store, for every step of the restore. */
    maxBandwidth: z.number().positive().optional(),
  }),
  regions: z.array(RegionPlan),
});
export type RestorePlan = z.infer<typeof RestorePlan>;

/** What the restore states pass around: references into the store, never the data. */
export const RestoreRef = z.object({ restoreId: z.string().min(1), store: z.string().min(1), run: RunId });
export type RestoreRef = z.infer<typeof RestoreRef>;
export const RestoreRegionRef = RestoreRef.extend({ region: RegionName });
export type RestoreRegionRef = z.infer<typeof RestoreRegionRef>;
export const RestoreResourceItem = RestoreRegionRef.extend({
  kind: KindName,
  name: ResourceName,
  cursor: z.unknown().optional(),
});
export type RestoreResourceItem = z.infer<typeof RestoreResourceItem>;
export const RestoreTriggerItem = RestoreRegionRef.extend({ group: z.string().min(1) });
export type RestoreTriggerItem = z.infer<typeof RestoreTriggerItem>;

export const ACTIONS = [
  'create',
  'update',
  'unchanged',
  'differs',
  'blocked',
  'manual',
  'skipped',
  'failed',
] as const;
export const Action = z.enum(ACTIONS);
export type Action = z.infer<typeof Action>;

export const FieldChange = z.object({
  field: z.string(),
  current: z.unknown().optional(),
  desired: z.unknown().optional(),
});
export type FieldChange = z.infer<typeof FieldChange>;

/** One resource the restore compared: a function's configuration, an alias, a policy statement, a trigger… */
export const Change = z.object({
  resource: z.string(),
  action: Action,
  fields: z.array(FieldChange).optional(),
  note: z.string().optional(),
});
export type Change = z.infer<typeof Change>;

/** What restoring one item (a resource or a group of triggers) did, or in a dry run would do. */
export const ItemOutcome = z.object({
  region: RegionName,
  target: RegionName,
  kind: z.string(),
  name: z.string(),
  action: Action,
  changes: z.array(Change),
  notes: z.array(z.string()),
  details: z.record(z.string(), z.unknown()).optional(),
  error: z.object({ name: z.string(), message: z.string() }).optional(),
});
export type ItemOutcome = z.infer<typeof ItemOutcome>;

/** One deletion a drill's cleanup made or tried (drill/cleanup.json). */
export const CleanedResource = z.object({
  region: z.string(),
  resource: z.string(),
  action: z.enum(['deleted', 'absent', 'failed']),
  note: z.string().optional(),
  /** A failure worth retrying (throttling, 5xx). */
  transient: z.boolean().optional(),
});
export type CleanedResource = z.infer<typeof CleanedResource>;

export const DrillCleanup = z.object({ resources: z.array(CleanedResource) });
export type DrillCleanup = z.infer<typeof DrillCleanup>;
