import {
  APIGatewayClient,
  CreateResourceCommand,
  DeleteIntegrationCommand,
  GetMethodCommand,
  GetResourcesCommand,
  GetRestApiCommand,
  GetRestApisCommand,
  type Method,
  PutIntegrationCommand,
  type PutIntegrationCommandInput,
  PutMethodCommand,
  type Resource,
  UpdateMethodCommand,
} from '@aws-sdk/client-api-gateway';
import type { Change } from '../../schemas/restore.js';
import { client } from '../aws/clients.js';
import { ifExists } from '../aws/errors.js';
import { paginate } from '../aws/paginate.js';
import type { RestoreContext } from '../reconcile/context.js';
import { pick, reconcile } from '../reconcile/diff.js';
import { locateByIdOrName } from '../reconcile/locate.js';
import { sharedSourceSkip } from '../reconcile/results.js';
import { permissionsForExecuteApi, targetsFunction } from './permissions.js';
import { redeployStages } from './rest-stages.js';
import { cannotRestore, withPermissions } from './rewire.js';
import {
  type ApiSource,
  apiSources,
  compact,
  fromEachSource,
  functionArnInUri,
  regionMemo,
} from './shared.js';
import { templateRestMethods } from './template-apis.js';
import type { FunctionRef, TriggerRecord, TriggerType } from './types.js';

const LAMBDA_INTEGRATIONS = new Set(['AWS', 'AWS_PROXY']);

/** Every REST API of the region, by id and name. */
const restApisOf = (region: string) =>
  paginate(async (position) => {
    const page = await client(APIGatewayClient, region).send(
      new GetRestApisCommand({ position, limit: 500 }),
    );
    return {
      items: page.items?.map((api) => ({ id: api.id as string, name: api.name })),
      next: page.position,
    };
  });

const regionRestApis = regionMemo(async (region) => (await restApisOf(region)).map((api) => api.id));

function methodRecord(
  fn: FunctionRef,
  api: ApiSource,
  apiName: string | undefined,
  resource: Resource,
  method: Method,
) {
  const integration = method.methodIntegration ?? {};
  const httpMethod = method.httpMethod as string;
  const path = resource.path as string;
  const config = compact({
    restApiId: api.apiId,
    apiName,
    resourceId: resource.id,
    path,
    httpMethod,
    authorizationType: method.authorizationType,
    authorizerId: method.authorizerId,
    apiKeyRequired: method.apiKeyRequired,
    integration: {
      type: integration.type,
      uri: integration.uri,
      httpMethod: integration.httpMethod,
      credentials: integration.credentials,
      timeoutInMillis: integration.timeoutInMillis,
      passthroughBehavior: integration.passthroughBehavior,
      requestTemplates: integration.requestTemplates,
    },
  });
  const route = `${httpMethod === 'ANY' ? '*' : httpMethod}${path}`;
  return {
    type: 'apigateway-rest' as const,
    id: `${api.apiId}/${resource.id}/${httpMethod}`,
    source: `arn:aws:apigateway:${api.region}::/restapis/${api.apiId}/resources/${resource.id}/methods/${httpMethod}`,
    target: functionArnInUri(integration.uri) as string,
    config,
    permissions: permissionsForExecuteApi(fn, api.arn, [route]),
  };
}

/** The methods of one REST API whose Lambda integration invokes the function. */
async function restApiRecords(fn: FunctionRef, api: ApiSource): Promise<TriggerRecord[]> {
  const gateway = client(APIGatewayClient, api.region);
  const { name } = await gateway.send(new GetRestApiCommand({ restApiId: api.apiId }));
  const resources = await paginate(async (position) => {
    const command = new GetResourcesCommand({
      restApiId: api.apiId,
      embed: ['methods'],
      position,
      limit: 500,
    });
    const page = await gateway.send(command);
    return { items: page.items, next: page.position };
  });
  const embedded = resources.flatMap((resource) =>
    Object.values(resource.resourceMethods ?? {}).map((method) => ({ resource, method })),
  );
  const methods = await fromEachSource(
    embedded,
    ({ resource, method }) => `rest api ${api.apiId} ${method.httpMethod} ${resource.path}`,
    async ({ resource, method }) => [
      { resource, method: await withIntegration(gateway, api, resource, method) },
    ],
  );
  return methods
    .filter(({ method }) => LAMBDA_INTEGRATIONS.has(method.methodIntegration?.type ?? ''))
    .filter(({ method }) => targetsFunction(functionArnInUri(method.methodIntegration?.uri), fn))
    .map(({ resource, method }) => methodRecord(fn, api, name, resource, method));
}

/** The embedded method with its integration; read with GetMethod when the embed left it out. */
async function withIntegration(
  gateway: APIGatewayClient,
  api: ApiSource,
  resource: Resource,
  method: Method,
): Promise<Method> {
  if (method.methodIntegration) return method;
  const command = new GetMethodCommand({
    restApiId: api.apiId,
    resourceId: resource.id,
    httpMethod: method.httpMethod,
  });
  return gateway.send(command);
}

const allResources = (gateway: APIGatewayClient, restApiId: string) =>
  paginate(async (position) => {
    const page = await gateway.send(new GetResourcesCommand({ restApiId, position, limit: 500 }));
    return { items: page.items, next: page.position };
  });

/** The resource at `path`, creating each missing segment under its parent. */
async function ensurePath(gateway: APIGatewayClient, restApiId: string, resources: Resource[], path: string) {
  let parent = resources.find((resource) => resource.path === '/');
  let sofar = '';
  for (const pathPart of path.split('/').filter(Boolean)) {
    sofar = `${sofar}/${pathPart}`;
    const existing = resources.find((resource) => resource.path === sofar);
    parent =
      existing ??
      (await gateway.send(new CreateResourceCommand({ restApiId, parentId: parent?.id, pathPart })));
  }
  return parent as Resource;
}

type RestConfig = {
  restApiId: string;
  apiName?: string;
  path: string;
  httpMethod: string;
  authorizationType?: string;
  authorizerId?: string;
  apiKeyRequired?: boolean;
  integration: Record<string, unknown>;
};

const methodSettings = (method: object) =>
  pick(method, ['authorizationType', 'authorizerId', 'apiKeyRequired']);
const INTEGRATION_FIELDS = [
  'type',
  'uri',
  'httpMethod',
  'credentials',
  'timeoutInMillis',
  'passthroughBehavior',
  'requestTemplates',
];
const integrationSettings = (integration: object) => pick(integration, INTEGRATION_FIELDS);

/**
 * PutIntegration on the API's method, re-creating the resource path and the method when they are
 * missing. The API itself must exist (found by id, or by name when it was re-created); its stages
 * serve the change after their next deployment.
 */
async function restoreMethod(record: TriggerRecord, context: RestoreContext) {
  const config = record.config as RestConfig;
  // Under a name suffix, only an API this restore re-created (a scratch copy) is wired to the scratch function.
  const skip = sharedSourceSkip(
    context,
    context.mapper.isRestored('apigateway-rest-api', config.restApiId),
    'the API would send its requests to the scratch function',
  );
  if (skip) return cannotRestore(record, 'skipped', skip);
  const restApiId = context.mapper.spec.apiIds[config.restApiId];
  if (!restApiId)
    return cannotRestore(
      record,
      'blocked',
      `REST API ${config.apiName ?? config.restApiId} does not exist in ${context.targetRegion}`,
    );
  const gateway = client(APIGatewayClient, context.targetRegion);
  const { httpMethod, path } = config;
  const result = await withPermissions(record, context, async () => {
    const changes: Change[] = [];
    const resources = await allResources(gateway, restApiId);
    let resource = resources.find((candidate) => candidate.path === path);
    if (!resource) {
      changes.push({ resource: `rest resource ${restApiId} ${path}`, action: 'create' });
      if (context.apply) resource = await ensurePath(gateway, restApiId, resources, path);
    }
    const resourceId = resource?.id;
    const method = resourceId
      ? await ifExists(() => gateway.send(new GetMethodCommand({ restApiId, resourceId, httpMethod })))
      : undefined;
    const desiredMethod = methodSettings(config);
    changes.push(
      await reconcile(context, {
        resource: `rest method ${restApiId} ${httpMethod} ${path}`,
        current: method && methodSettings(method),
        desired: desiredMethod,
        create: async () => {
          await gateway.send(
            new PutMethodCommand({
              authorizationType: 'NONE',
              ...desiredMethod,
              restApiId,
              resourceId,
              httpMethod,
            }),
          );
        },
        update: async (fields) => {
          const patchOperations = fields.map(({ field, desired }) => ({
            op: 'replace' as const,
            path: `/${field}`,
            value: String(desired),
          }));
          await gateway.send(new UpdateMethodCommand({ restApiId, resourceId, httpMethod, patchOperations }));
        },
      }),
    );
    const desired = integrationSettings(context.mapper.mapDeep(config.integration));
    const putIntegration = async () => {
      const { httpMethod: integrationHttpMethod, ...rest } = desired;
      const input = { ...rest, restApiId, resourceId, httpMethod, integrationHttpMethod };
      await gateway.send(new PutIntegrationCommand(input as unknown as PutIntegrationCommandInput));
    };
    changes.push(
      await reconcile(context, {
        resource: `rest integration ${restApiId} ${httpMethod} ${path}`,
        current: method?.methodIntegration && integrationSettings(method.methodIntegration),
        desired,
        create: putIntegration,
        update: putIntegration,
      }),
    );
    return changes;
  });
  // The API's stages are deployed again once for all its methods (finishGroup, rest-stages.ts).
  return result;
}

/** API Gateway v1 (REST) methods integrated with the function. */
export const apiGatewayRestTrigger: TriggerType = {
  template: templateRestMethods,
  /** Removes the method's integration; the API, its resources and methods stay. */
  async remove(region, record) {
    const config = record.config as { restApiId: string; resourceId: string; httpMethod: string };
    await client(APIGatewayClient, region).send(
      new DeleteIntegrationCommand({
        restApiId: config.restApiId,
        resourceId: config.resourceId,
        httpMethod: config.httpMethod,
      }),
    );
  },

  type: 'apigateway-rest',
  async list(fn: FunctionRef) {
    const apis = await apiSources(fn, regionRestApis);
    return fromEachSource(
      apis,
      (api) => `rest api ${api.apiId}`,
      (api) => restApiRecords(fn, api),
    );
  },
  restore: restoreMethod,
  finishGroup: redeployStages,
  expectedRecord: (record, mapper) => {
    const expected = mapper.mapDeep(record);
    const recorded = String(record.config.restApiId);
    const restApiId = mapper.spec.apiIds[recorded] ?? recorded;
    // An API this restore re-created under a suffix (a drill's scratch copy) carries it in its name.
    const suffix = mapper.mapName('apigateway-rest-api', recorded).slice(recorded.length);
    const apiName =
      record.config.apiName === undefined ? {} : { apiName: `${record.config.apiName}${suffix}` };
    return {
      ...expected,
      id: record.id.replace(/^[^/]+/, restApiId),
      config: { ...expected.config, restApiId, ...apiName },
    };
  },
  generatedIds: (record) => [String(record.config.resourceId)],
  resolveIds: (records, region) =>
    locateByIdOrName(
      records.map((record) => ({
        id: String(record.config.restApiId),
        name: record.config.apiName as string | undefined,
      })),
      async (restApiId) =>
        (await ifExists(() => client(APIGatewayClient, region).send(new GetRestApiCommand({ restApiId }))))
          ?.name,
      () => restApisOf(region),
    ),
};
