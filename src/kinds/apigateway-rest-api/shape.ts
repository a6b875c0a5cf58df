import type { ArnMapper } from '../../reconcile/arn-map.js';
import { pick } from '../../reconcile/diff.js';
import {
  API_SETTINGS,
  AUTHORIZER_FIELDS,
  INTEGRATION_FIELDS,
  INTEGRATION_RESPONSE_FIELDS,
  METHOD_FIELDS,
  METHOD_RESPONSE_FIELDS,
  type RestApiConfig,
  STAGE_FIELDS,
  type StoredMethod,
} from './format.js';

/**
 * A REST API as a restore compares it: ids API Gateway generates (resources, authorizers, validators,
 * deployments) replaced by what names them (paths, names), ARNs and API ids mapped. The same
 * projection of the stored config (desired) and of the live API (current) are compared field by field.
 */

export type RestApiShape = ReturnType<typeof shapeOf>;

const byName = <T extends { name?: string }>(items: T[], fields: readonly string[]) =>
  Object.fromEntries(items.map((item) => [item.name ?? '', pick(item, fields)]));

const keyed = (record: Record<string, Record<string, unknown>> | undefined, fields: readonly string[]) =>
  Object.fromEntries(Object.entries(record ?? {}).map(([key, value]) => [key, pick(value, fields)]));

function methodShape(
  method: StoredMethod,
  names: { authorizers: Map<string, string>; validators: Map<string, string> },
) {
  const integration = method.methodIntegration;
  return {
    ...pick(method, METHOD_FIELDS),
    authorizer: method.authorizerId
      ? (names.authorizers.get(method.authorizerId) ?? method.authorizerId)
      : null,
    requestValidator: method.requestValidatorId
      ? (names.validators.get(method.requestValidatorId) ?? method.requestValidatorId)
      : null,
    methodResponses: keyed(method.methodResponses, METHOD_RESPONSE_FIELDS),
    integration: integration
      ? {
          ...pick(integration, INTEGRATION_FIELDS),
          integrationResponses: keyed(integration.integrationResponses, INTEGRATION_RESPONSE_FIELDS),
        }
      : null,
  };
}

/**
 * The comparable API. `mapper` maps what the backup recorded into the target (the API's own id
 * included) and `targetName` is its name there; the live API is shaped without either. Models name other models by a URL with the API id.
 */
export function shapeOf(config: RestApiConfig, mapper?: ArnMapper, targetName?: string) {
  const map = <T>(value: T): T => (mapper ? mapper.mapDeep(value) : value);
  const targetId = mapper?.spec.apiIds[config.id] ?? config.id;
  const names = {
    authorizers: new Map(
      config.authorizers.map((authorizer) => [authorizer.id as string, authorizer.name as string]),
    ),
    validators: new Map(
      config.requestValidators.map((validator) => [validator.id as string, validator.name as string]),
    ),
  };
  const settings = pick(config.settings, API_SETTINGS);
  return {
    Settings: map({ ...settings, name: targetName ?? settings.name }),
    Resources: Object.fromEntries(
      config.resources.map((resource) => [
        resource.path,
        Object.fromEntries(
          Object.entries(resource.methods).map(([httpMethod, method]) => [
            httpMethod,
            map(methodShape(method, names)),
          ]),
        ),
      ]),
    ),
    Authorizers: map(byName(config.authorizers, AUTHORIZER_FIELDS)),
    Models: Object.fromEntries(
      config.models.map((model) => [
        model.name,
        {
          description: model.description,
          contentType: model.contentType,
          schema: model.schema?.replaceAll(`/restapis/${config.id}/`, `/restapis/${targetId}/`),
        },
      ]),
    ),
    RequestValidators: byName(config.requestValidators, [
      'name',
      'validateRequestBody',
      'validateRequestParameters',
    ]),
    GatewayResponses: Object.fromEntries(
      config.gatewayResponses.map((response) => [
        response.responseType,
        pick(response, ['statusCode', 'responseParameters', 'responseTemplates']),
      ]),
    ),
    Stages: Object.fromEntries(
      config.stages.map((stage) => [stage.stageName, map(pick(stage, STAGE_FIELDS))]),
    ),
  };
}
