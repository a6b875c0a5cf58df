import {
  APIGatewayClient,
  GetMethodCommand,
  GetResourcesCommand,
  GetRestApiCommand,
  GetRestApisCommand,
  type Method,
  type Resource,
} from '@aws-sdk/client-api-gateway';
import { client } from '../aws/clients.js';
import { permissionsForExecuteApi, targetsFunction } from './permissions.js';
import {
  type ApiSource,
  apiSources,
  compact,
  fromEachSource,
  functionArnInUri,
  paginate,
  regionMemo,
} from './shared.js';
import type { FunctionRef, TriggerRecord, TriggerType } from './types.js';

const LAMBDA_INTEGRATIONS = new Set(['AWS', 'AWS_PROXY']);

const regionRestApis = regionMemo((region) =>
  paginate(async (position) => {
    const page = await client(APIGatewayClient, region).send(
      new GetRestApisCommand({ position, limit: 500 }),
    );
    return { items: page.items?.map((api) => api.id as string), next: page.position };
  }),
);

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

/** API Gateway v1 (REST) methods integrated with the function. */
export const apiGatewayRestTrigger: TriggerType = {
  type: 'apigateway-rest',
  async list(fn: FunctionRef) {
    const apis = await apiSources(fn, regionRestApis);
    return fromEachSource(
      apis,
      (api) => `rest api ${api.apiId}`,
      (api) => restApiRecords(fn, api),
    );
  },
};
