import {
  type APIGatewayClient,
  CreateAuthorizerCommand,
  type CreateAuthorizerCommandInput,
  CreateDeploymentCommand,
  CreateModelCommand,
  CreateRequestValidatorCommand,
  CreateResourceCommand,
  CreateStageCommand,
  DeleteMethodCommand,
  GetResourcesCommand,
  type PatchOperation,
  PutGatewayResponseCommand,
  type PutGatewayResponseCommandInput,
  PutIntegrationCommand,
  type PutIntegrationCommandInput,
  PutIntegrationResponseCommand,
  type PutIntegrationResponseCommandInput,
  PutMethodCommand,
  type PutMethodCommandInput,
  PutMethodResponseCommand,
  type PutMethodResponseCommandInput,
  type Resource,
  UpdateRestApiCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import { paginate } from '../../aws/paginate.js';
import type { ArnMapper } from '../../reconcile/arn-map.js';
import { pick } from '../../reconcile/diff.js';
import {
  AUTHORIZER_FIELDS,
  INTEGRATION_FIELDS,
  INTEGRATION_RESPONSE_FIELDS,
  METHOD_FIELDS,
  METHOD_RESPONSE_FIELDS,
  type RestApiConfig,
  type StoredMethod,
} from './format.js';

/**
 * The writes that re-create a REST API's parts in the target, each given the ids already re-created
 * (authorizers, validators) so that methods name the new ones. Used to create a whole API and to bring
 * the differing parts of an existing one back (force).
 */

export interface Build {
  gateway: APIGatewayClient;
  restApiId: string;
  config: RestApiConfig;
  /** Maps the backup's ARNs into the target, the API's own id to `restApiId`. */
  mapper: ArnMapper;
  /** Recorded authorizer / validator id → id in the target. */
  authorizers: Map<string, string>;
  validators: Map<string, string>;
  notes: string[];
}

export async function resourcesByPath(
  gateway: APIGatewayClient,
  restApiId: string,
): Promise<Map<string, Resource>> {
  const resources = await paginate(async (position) => {
    const page = await gateway.send(new GetResourcesCommand({ restApiId, position, limit: 500 }));
    return { items: page.items, next: page.position };
  });
  return new Map(resources.map((resource) => [resource.path as string, resource]));
}

/** The resource at `path`, creating each missing segment under its parent. */
export async function ensurePath(
  build: Build,
  resources: Map<string, Resource>,
  path: string,
): Promise<string> {
  let parent = resources.get('/') as Resource;
  let sofar = '';
  for (const pathPart of path.split('/').filter(Boolean)) {
    sofar = `${sofar}/${pathPart}`;
    let resource = resources.get(sofar);
    if (!resource) {
      resource = await build.gateway.send(
        new CreateResourceCommand({ restApiId: build.restApiId, parentId: parent.id, pathPart }),
      );
      resources.set(sofar, resource);
    }
    parent = resource;
  }
  return parent.id as string;
}

export async function createModels(build: Build, names?: Set<string>) {
  for (const model of build.config.models.filter((entry) => !names || names.has(entry.name as string)))
    await build.gateway.send(
      new CreateModelCommand({
        restApiId: build.restApiId,
        name: model.name,
        description: model.description,
        contentType: model.contentType ?? 'application/json',
        schema: model.schema?.replaceAll(`/restapis/${build.config.id}/`, `/restapis/${build.restApiId}/`),
      }),
    );
}

export async function createValidators(build: Build, names?: Set<string>) {
  for (const validator of build.config.requestValidators.filter(
    (entry) => !names || names.has(entry.name as string),
  )) {
    const created = await build.gateway.send(
      new CreateRequestValidatorCommand({
        restApiId: build.restApiId,
        name: validator.name,
        validateRequestBody: validator.validateRequestBody,
        validateRequestParameters: validator.validateRequestParameters,
      }),
    );
    build.validators.set(validator.id as string, created.id as string);
  }
}

export async function createAuthorizers(build: Build, names?: Set<string>) {
  for (const authorizer of build.config.authorizers.filter(
    (entry) => !names || names.has(entry.name as string),
  )) {
    const input = build.mapper.mapDeep(
      pick(authorizer, AUTHORIZER_FIELDS),
    ) as unknown as CreateAuthorizerCommandInput;
    const created = await build.gateway.send(
      new CreateAuthorizerCommand({ ...input, restApiId: build.restApiId }),
    );
    build.authorizers.set(authorizer.id as string, created.id as string);
  }
}

/** PutMethod, its method responses, its integration and integration responses (an existing method is replaced). */
export async function putMethod(build: Build, resourceId: string, method: StoredMethod, replace: boolean) {
  const { gateway, restApiId, mapper } = build;
  const httpMethod = method.httpMethod;
  const key = { restApiId, resourceId, httpMethod };
  if (replace) await gateway.send(new DeleteMethodCommand(key));
  await gateway.send(
    new PutMethodCommand({
      ...(pick(method, METHOD_FIELDS) as Partial<PutMethodCommandInput>),
      ...key,
      authorizationType: method.authorizationType ?? 'NONE',
      authorizerId: method.authorizerId ? build.authorizers.get(method.authorizerId) : undefined,
      requestValidatorId: method.requestValidatorId
        ? build.validators.get(method.requestValidatorId)
        : undefined,
    }),
  );
  for (const response of Object.values(method.methodResponses ?? {}))
    await gateway.send(
      new PutMethodResponseCommand({
        ...(pick(response, METHOD_RESPONSE_FIELDS) as Partial<PutMethodResponseCommandInput>),
        ...key,
        statusCode: String(response.statusCode),
      }),
    );
  const integration = method.methodIntegration;
  if (!integration) return;
  if (integration.connectionType === 'VPC_LINK')
    build.notes.push(
      `${httpMethod} integration through VPC link ${integration.connectionId}: VPC links are regional; create one and point the integration at it`,
    );
  const { httpMethod: integrationHttpMethod, ...settings } = mapper.mapDeep(
    pick(integration, INTEGRATION_FIELDS),
  );
  await gateway.send(
    new PutIntegrationCommand({
      ...(settings as Partial<PutIntegrationCommandInput>),
      ...key,
      type: integration.type as PutIntegrationCommandInput['type'],
      integrationHttpMethod: integrationHttpMethod as string | undefined,
      connectionId: integration.connectionType === 'VPC_LINK' ? integration.connectionId : undefined,
    }),
  );
  for (const response of Object.values(integration.integrationResponses ?? {}))
    await gateway.send(
      new PutIntegrationResponseCommand({
        ...(pick(response, INTEGRATION_RESPONSE_FIELDS) as Partial<PutIntegrationResponseCommandInput>),
        ...key,
        statusCode: String(response.statusCode),
      }),
    );
}

export async function putGatewayResponses(build: Build, types?: Set<string>) {
  for (const response of build.config.gatewayResponses.filter(
    (entry) => !types || types.has(entry.responseType as string),
  ))
    await build.gateway.send(
      new PutGatewayResponseCommand({
        ...(pick(response, [
          'statusCode',
          'responseParameters',
          'responseTemplates',
        ]) as Partial<PutGatewayResponseCommandInput>),
        restApiId: build.restApiId,
        responseType: response.responseType as PutGatewayResponseCommandInput['responseType'],
      }),
    );
}

/** The resource policy, with the API's new id in its execute-api ARNs: set once the id exists. */
export async function putPolicy(build: Build) {
  const policy = build.config.settings.policy;
  await build.gateway.send(
    new UpdateRestApiCommand({
      restApiId: build.restApiId,
      patchOperations: [
        { op: 'replace', path: '/policy', value: policy ? JSON.stringify(build.mapper.mapDeep(policy)) : '' },
      ],
    }),
  );
}

/** A method setting's patch path under `/{resource path}/{method}/` (UpdateStage). */
const METHOD_SETTING_PATHS: Record<string, string> = {
  metricsEnabled: 'metrics/enabled',
  loggingLevel: 'logging/loglevel',
  dataTraceEnabled: 'logging/dataTrace',
  throttlingBurstLimit: 'throttling/burstLimit',
  throttlingRateLimit: 'throttling/rateLimit',
  cachingEnabled: 'caching/enabled',
  cacheTtlInSeconds: 'caching/ttlInSeconds',
  cacheDataEncrypted: 'caching/dataEncrypted',
  requireAuthorizationForCacheControl: 'caching/requireAuthorizationForCacheControl',
  unauthorizedCacheControlHeaderStrategy: 'caching/unauthorizedCacheControlHeaderStrategy',
};

/** Patch operations that bring a stage's method settings and access logs to the recorded ones. */
function stagePatches(stage: RestApiConfig['stages'][number], mapper: ArnMapper): PatchOperation[] {
  const operations: PatchOperation[] = [];
  for (const [key, settings] of Object.entries(stage.methodSettings ?? {}))
    for (const [name, value] of Object.entries(settings ?? {})) {
      const path = METHOD_SETTING_PATHS[name];
      if (value !== undefined && path)
        operations.push({ op: 'replace', path: `/${key}/${path}`, value: String(value) });
    }
  const logs = stage.accessLogSettings;
  if (logs?.destinationArn)
    operations.push(
      { op: 'replace', path: '/accessLogSettings/destinationArn', value: mapper.mapArn(logs.destinationArn) },
      { op: 'replace', path: '/accessLogSettings/format', value: logs.format ?? '' },
    );
  return operations;
}

/**
 * One new deployment of the API as it now is, and every recorded stage on it (created, or moved to
 * it), with its variables, tracing, cache, method settings, access logs and tags. Earlier deployments
 * are history and are not re-created.
 */
export async function deployStages(build: Build, existing: Set<string>) {
  const { gateway, restApiId, mapper } = build;
  const { id: deploymentId } = await gateway.send(
    new CreateDeploymentCommand({ restApiId, description: 'triggervault restore' }),
  );
  for (const stage of build.config.stages) {
    const stageName = stage.stageName as string;
    if (stage.clientCertificateId)
      build.notes.push(
        `stage ${stageName}: client certificate ${stage.clientCertificateId} is not restored; generate one and set it on the stage`,
      );
    if (stage.webAclArn)
      build.notes.push(
        `stage ${stageName}: web ACL ${stage.webAclArn} is not restored; associate it again (AWS WAF)`,
      );
    if (existing.has(stageName)) {
      await gateway.send(
        new UpdateStageCommand({
          restApiId,
          stageName,
          patchOperations: [
            { op: 'replace', path: '/deploymentId', value: deploymentId },
            { op: 'replace', path: '/description', value: stage.description ?? '' },
            ...Object.entries(mapper.mapDeep(stage.variables ?? {})).map(([name, value]) => ({
              op: 'replace' as const,
              path: `/variables/${name}`,
              value,
            })),
            { op: 'replace', path: '/tracingEnabled', value: String(Boolean(stage.tracingEnabled)) },
          ],
        }),
      );
    } else {
      await gateway.send(
        new CreateStageCommand({
          restApiId,
          stageName,
          deploymentId,
          description: stage.description,
          variables: mapper.mapDeep(stage.variables),
          tracingEnabled: stage.tracingEnabled,
          cacheClusterEnabled: stage.cacheClusterEnabled,
          cacheClusterSize: stage.cacheClusterEnabled ? stage.cacheClusterSize : undefined,
          tags: stage.tags && Object.keys(stage.tags).length ? stage.tags : undefined,
        }),
      );
    }
    const patches = stagePatches(stage, mapper);
    if (patches.length)
      await gateway.send(new UpdateStageCommand({ restApiId, stageName, patchOperations: patches }));
  }
}
