import type { ArnMapper } from '../../reconcile/arn-map.js';
import { pick } from '../../reconcile/diff.js';
import {
  API_SETTINGS,
  AUTHORIZER_FIELDS,
  type HttpApiConfig,
  INTEGRATION_FIELDS,
  MODEL_FIELDS,
  ROUTE_FIELDS,
  STAGE_FIELDS,
} from './format.js';

/**
 * An HTTP API as a restore compares it: generated ids replaced by what names them — an integration
 * by its type, method and target, a route's target by that integration, an authorizer by its name —
 * and ARNs mapped. The stored config (desired) and the live API (current) are shaped alike.
 */

export type HttpApiShape = ReturnType<typeof shapeOf>;

/** What identifies an integration without its id: type, method and target. */
export const integrationKey = (integration: {
  IntegrationType?: string;
  IntegrationMethod?: string;
  IntegrationUri?: string;
}) =>
  [integration.IntegrationType, integration.IntegrationMethod ?? '', integration.IntegrationUri ?? ''].join(
    ' ',
  );

export function shapeOf(config: HttpApiConfig, mapper?: ArnMapper, targetName?: string) {
  const map = <T>(value: T): T => (mapper ? mapper.mapDeep(value) : value);
  const integrations = new Map(
    config.integrations.map((integration) => [integration.IntegrationId, integrationKey(map(integration))]),
  );
  const authorizers = new Map(
    config.authorizers.map((authorizer) => [authorizer.AuthorizerId, authorizer.Name]),
  );
  return {
    Settings: map({ ...pick(config.settings, API_SETTINGS), Name: targetName ?? config.name }),
    Integrations: Object.fromEntries(
      config.integrations.map((integration) => [
        integrationKey(map(integration)),
        map(pick(integration, INTEGRATION_FIELDS)),
      ]),
    ),
    Routes: Object.fromEntries(
      config.routes.map((route) => [
        route.RouteKey,
        {
          ...map(pick(route, ROUTE_FIELDS)),
          Target: route.Target
            ? (integrations.get(route.Target.replace(/^integrations\//, '')) ?? route.Target)
            : null,
          Authorizer: route.AuthorizerId ? (authorizers.get(route.AuthorizerId) ?? route.AuthorizerId) : null,
        },
      ]),
    ),
    Authorizers: Object.fromEntries(
      config.authorizers.map((authorizer) => [authorizer.Name, map(pick(authorizer, AUTHORIZER_FIELDS))]),
    ),
    Models: Object.fromEntries(config.models.map((model) => [model.Name, pick(model, MODEL_FIELDS)])),
    Stages: Object.fromEntries(
      config.stages.map((stage) => [stage.StageName, map(pick(stage, STAGE_FIELDS))]),
    ),
  };
}
