import { apiGatewayHttpTrigger } from './apigateway-http.js';
import { apiGatewayRestTrigger } from './apigateway-rest.js';
import { cloudFrontEdgeTrigger } from './cloudfront-edge.js';
import { eventSourceMappingTrigger } from './event-source-mapping.js';
import { eventBridgeRuleTrigger } from './eventbridge-rule.js';
import { eventBridgeScheduleTrigger } from './eventbridge-schedule.js';
import { s3NotificationTrigger } from './s3-notification.js';
import { fromEachSource } from './shared.js';
import { snsSubscriptionTrigger } from './sns-subscription.js';
import type { FunctionRef, TriggerRecord, TriggerType } from './types.js';

export { loadFunctionRef } from './function-ref.js';
export { clearListingMemos } from './shared.js';

export const TRIGGER_TYPES: TriggerType[] = [
  eventSourceMappingTrigger,
  s3NotificationTrigger,
  eventBridgeRuleTrigger,
  eventBridgeScheduleTrigger,
  snsSubscriptionTrigger,
  apiGatewayRestTrigger,
  apiGatewayHttpTrigger,
  cloudFrontEdgeTrigger,
];

const byTypeThenId = (a: TriggerRecord, b: TriggerRecord): number =>
  a.type < b.type ? -1 : a.type > b.type ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * Every trigger of the function, all types listed concurrently, sorted by type then id. One type
 * failing does not stop the others, but the call then throws (naming every failed type) so the work
 * item fails and the state machine retries or records it, rather than backing up a partial picture.
 */
export async function listTriggers(fn: FunctionRef): Promise<TriggerRecord[]> {
  const records = await fromEachSource(
    TRIGGER_TYPES,
    (type) => type.type,
    (type) => type.list(fn),
    {
      skipNotFound: false,
    },
  );
  return records.sort(byTypeThenId);
}

/**
 * The triggers of a function whose resource policy (in AWS: its RevisionId) has not changed since
 * `recorded` were listed: every type re-read, by `refresh` where the type has one, else `list`.
 * Same order and failure rules as listTriggers.
 */
export async function refreshTriggers(fn: FunctionRef, recorded: TriggerRecord[]): Promise<TriggerRecord[]> {
  const records = await fromEachSource(
    TRIGGER_TYPES,
    (type) => type.type,
    (type) =>
      type.refresh
        ? type.refresh(
            fn,
            recorded.filter((record) => record.type === type.type),
          )
        : type.list(fn),
    { skipNotFound: false },
  );
  return records.sort(byTypeThenId);
}
