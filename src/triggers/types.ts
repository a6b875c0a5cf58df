import { z } from 'zod';
import type { Change } from '../../schemas/restore.js';
import { PolicyStatement } from '../aws/lambda-policy.js';
import type { ArnMapper } from '../reconcile/arn-map.js';
import type { RestoreContext, RestoreResult } from '../reconcile/context.js';
import type { TemplateBuilder } from '../reconcile/template.js';

/** The function a trigger module is asked about. */
export interface FunctionRef {
  region: string;
  accountId: string;
  name: string;
  /** Unqualified ARN. */
  arn: string;
  /** Statements of the resource policy of the function and of its versions and aliases. */
  policy: PolicyStatement[];
}

/**
 * One trigger, normalized. `source` identifies what fires (queue/stream/table ARN, bucket, rule,
 * topic, API, distribution), `target` the exact function ARN it invokes (with qualifier if any),
 * `config` everything needed to re-create it, and `permissions` the policy statements that let
 * the source invoke the function, kept with the trigger so restore re-creates both.
 */
export const TRIGGER_TYPE_NAMES = [
  'event-source-mapping',
  's3-notification',
  'eventbridge-rule',
  'eventbridge-schedule',
  'sns-subscription',
  'apigateway-rest',
  'apigateway-http',
  'cloudfront-edge',
] as const;
export const TriggerTypeName = z.enum(TRIGGER_TYPE_NAMES);
export type TriggerTypeName = z.infer<typeof TriggerTypeName>;

export const TriggerRecord = z.object({
  type: TriggerTypeName,
  id: z.string(),
  source: z.string(),
  target: z.string(),
  config: z.record(z.string(), z.unknown()),
  permissions: z.array(PolicyStatement),
});
export type TriggerRecord = z.infer<typeof TriggerRecord>;

/** Every trigger type has this shape; adding one is one module implementing it. */
export interface TriggerType {
  readonly type: TriggerTypeName;
  list(fn: FunctionRef): Promise<TriggerRecord[]>;
  /**
   * The triggers of this type of a function whose resource policy has not changed since `recorded`
   * were listed (change detection): re-reads those and the sources the policy names, which can cost
   * less than `list`. Without it, `list` runs.
   */
  refresh?(fn: FunctionRef, recorded: TriggerRecord[]): Promise<TriggerRecord[]>;
  /**
   * Re-wires a recorded trigger to the restored function in `context.targetRegion`, every ARN
   * through `context.mapper`, with the invoke permission it needs. Compares first (create / update /
   * unchanged / differs), touches nothing when `context.apply` is false, and changes an existing
   * trigger that differs only with `context.force`. A source that does not exist is `blocked`.
   */
  restore(record: TriggerRecord, context: RestoreContext): Promise<RestoreResult>;
  /**
   * Removes the trigger as `list` recorded it, leaving its source in place (drill cleanup). A type
   * without it is removed by hand (Lambda@Edge associations change by a distribution deployment).
   */
  remove?(region: string, record: TriggerRecord): Promise<void>;
  /**
   * After every trigger of one restored group (one source: a bucket, an API) is restored: what the
   * source needs once for all of them (a REST API's stages deployed again), given their changes.
   */
  finishGroup?(records: TriggerRecord[], changes: Change[], context: RestoreContext): Promise<RestoreResult>;
  /** Ids AWS generates when the trigger is created (mapping UUIDs, integration ids…), for comparisons. */
  generatedIds?(record: TriggerRecord): string[];
  /**
   * Before restoring: the id that stands in `targetRegion` for each recorded source id that AWS
   * generates (an API re-created elsewhere has a new id); the plan's ARN mapper rewrites them.
   */
  resolveIds?(records: TriggerRecord[], targetRegion: string): Promise<Record<string, string>>;
  /**
   * The record `list` reports once `restore` re-created the trigger (generated ids aside): by default
   * every ARN through the mapper; a type that also renames (a rule under a suffix) or resolves (an API
   * id) says how. Comparisons after a restore use it.
   */
  expectedRecord?(
    record: TriggerRecord,
    mapper: ArnMapper,
    options: RestoreContext['options'],
  ): TriggerRecord;
  /**
   * IaC export: the resources that re-create these records (every record of this type among the
   * exported functions, so that one source with several targets is one resource) and their invoke
   * permissions, in `builder` (see reconcile/template.ts). A type without it is noted as not exported.
   */
  template?(records: TriggerRecord[], builder: TemplateBuilder): void;
}
