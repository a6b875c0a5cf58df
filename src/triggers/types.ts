import type { PolicyStatement } from '../aws/lambda-policy.js';
import type { ArnMapper } from '../reconcile/arn-map.js';
import type { RestoreContext, RestoreResult } from '../reconcile/context.js';

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
export interface TriggerRecord {
  type: TriggerTypeName;
  id: string;
  source: string;
  target: string;
  config: Record<string, unknown>;
  permissions: PolicyStatement[];
}

export type TriggerTypeName =
  | 'event-source-mapping'
  | 's3-notification'
  | 'eventbridge-rule'
  | 'eventbridge-schedule'
  | 'sns-subscription'
  | 'apigateway-rest'
  | 'apigateway-http'
  | 'cloudfront-edge';

/** Every trigger type has this shape; adding one is one module implementing it. */
export interface TriggerType {
  readonly type: TriggerTypeName;
  list(fn: FunctionRef): Promise<TriggerRecord[]>;
  /**
   * Re-wires a recorded trigger to the restored function in `context.targetRegion`, every ARN
   * through `context.mapper`, with the invoke permission it needs. Compares first (create / update /
   * unchanged / differs), touches nothing when `context.apply` is false, and changes an existing
   * trigger that differs only with `context.force`. A source that does not exist is `blocked`.
   */
  restore(record: TriggerRecord, context: RestoreContext): Promise<RestoreResult>;
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
}
