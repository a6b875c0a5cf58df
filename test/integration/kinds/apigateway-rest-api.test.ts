import {
  APIGatewayClient,
  CreateAuthorizerCommand,
  CreateDeploymentCommand,
  CreateModelCommand,
  CreateRequestValidatorCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  CreateStageCommand,
  DeleteRestApiCommand,
  GetResourcesCommand,
  GetRestApisCommand,
  PutGatewayResponseCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { readRestApi } from '../../../src/kinds/apigateway-rest-api/capture.js';
import type { RestApiConfig } from '../../../src/kinds/apigateway-rest-api/format.js';
import { apiGatewayRestApi } from '../../../src/kinds/apigateway-rest-api/index.js';
import { mapperFor } from '../../../src/restore/mapper.js';
import { ACCOUNT_ID, unique } from '../../helpers/aws.js';
import { runIdAt, suiteFileStore } from '../../helpers/kinds.js';
import { HOME_REGION } from '../../helpers/region-claims.js';
import { backUp, restoreContext, restoreWith } from '../../helpers/source-kinds.js';

// Named APIs only (this file never backs up or lists a whole region): the shared home region is enough.
const REGION = HOME_REGION;
const gateway = client(APIGatewayClient, REGION);
const suite = suiteFileStore();
const fn = (name: string) =>
  `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}/invocations`;

/**
 * An API as read back, with what API Gateway generates taken out: the API id (wherever it appears),
 * resource, authorizer, validator and deployment ids (methods name authorizers and validators by
 * name), dates. What is left must be equal field by field.
 */
function comparable(config: RestApiConfig): unknown {
  const authorizers = new Map(config.authorizers.map((entry) => [entry.id, entry.name]));
  const validators = new Map(config.requestValidators.map((entry) => [entry.id, entry.name]));
  const volatile = new Set([
    'id',
    'createdDate',
    'lastUpdatedDate',
    'deploymentId',
    'cacheClusterStatus',
    'region',
  ]);
  const walk = (value: unknown, key = ''): unknown => {
    if (typeof value === 'string') {
      if (key === 'authorizerId') return authorizers.get(value);
      if (key === 'requestValidatorId') return validators.get(value);
      return value.replaceAll(config.id, '(api)');
    }
    if (Array.isArray(value)) return value.map((entry) => walk(entry));
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([field]) => !volatile.has(field))
        .map(([field, entry]) => [field, walk(entry, field)]),
    );
  };
  return walk(config);
}

/** A REST API with what the kind must carry: resources, methods, CORS, authorizer, model, validator, responses, stages. */
async function createOrdersApi(name: string): Promise<string> {
  const { id: restApiId } = await gateway.send(
    new CreateRestApiCommand({
      name,
      description: 'orders API',
      binaryMediaTypes: ['image/png'],
      apiKeySource: 'HEADER',
      endpointConfiguration: { types: ['REGIONAL'] },
      tags: { app: 'orders' },
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*' },
        ],
      }),
    }),
  );
  const root = (await gateway.send(new GetResourcesCommand({ restApiId }))).items?.find(
    (r) => r.path === '/',
  );
  const orders = await gateway.send(
    new CreateResourceCommand({ restApiId, parentId: root?.id, pathPart: 'orders' }),
  );
  const order = await gateway.send(
    new CreateResourceCommand({ restApiId, parentId: orders.id, pathPart: '{id}' }),
  );
  await gateway.send(
    new CreateModelCommand({
      restApiId,
      name: 'Order',
      contentType: 'application/json',
      schema: JSON.stringify({ type: 'object', properties: { id: { type: 'string' } } }),
    }),
  );
  const validator = await gateway.send(
    new CreateRequestValidatorCommand({ restApiId, name: 'params', validateRequestParameters: true }),
  );
  const authorizer = await gateway.send(
    new CreateAuthorizerCommand({
      restApiId,
      name: 'token',
      type: 'TOKEN',
      authorizerUri: fn('orders-auth'),
      identitySource: 'method.request.header.Authorization',
      authorizerResultTtlInSeconds: 60,
    }),
  );
  // POST /orders: Lambda proxy, authorized.
  await gateway.send(
    new PutMethodCommand({
      restApiId,
      resourceId: orders.id,
      httpMethod: 'POST',
      authorizationType: 'CUSTOM',
      authorizerId: authorizer.id,
      requestModels: { 'application/json': 'Order' },
    }),
  );
  await gateway.send(
    new PutIntegrationCommand({
      restApiId,
      resourceId: orders.id,
      httpMethod: 'POST',
      type: 'AWS_PROXY',
      integrationHttpMethod: 'POST',
      uri: fn('orders-api'),
    }),
  );
  // GET /orders/{id}: a mock with a validated path parameter, responses and templates.
  await gateway.send(
    new PutMethodCommand({
      restApiId,
      resourceId: order.id,
      httpMethod: 'GET',
      authorizationType: 'NONE',
      requestValidatorId: validator.id,
      requestParameters: { 'method.request.path.id': true },
    }),
  );
  await gateway.send(
    new PutMethodResponseCommand({
      restApiId,
      resourceId: order.id,
      httpMethod: 'GET',
      statusCode: '200',
      responseModels: { 'application/json': 'Order' },
      responseParameters: { 'method.response.header.Access-Control-Allow-Origin': true },
    }),
  );
  await gateway.send(
    new PutIntegrationCommand({
      restApiId,
      resourceId: order.id,
      httpMethod: 'GET',
      type: 'MOCK',
      requestTemplates: { 'application/json': '{"statusCode": 200}' },
    }),
  );
  await gateway.send(
    new PutIntegrationResponseCommand({
      restApiId,
      resourceId: order.id,
      httpMethod: 'GET',
      statusCode: '200',
      responseTemplates: { 'application/json': '{"id": "$input.params(\'id\')"}' },
      responseParameters: { 'method.response.header.Access-Control-Allow-Origin': "'*'" },
    }),
  );
  await gateway.send(
    new PutGatewayResponseCommand({
      restApiId,
      responseType: 'DEFAULT_4XX',
      statusCode: '400',
      responseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'*'" },
    }),
  );
  const { id: deploymentId } = await gateway.send(new CreateDeploymentCommand({ restApiId }));
  for (const stageName of ['prod', 'dev']) {
    await gateway.send(
      new CreateStageCommand({
        restApiId,
        stageName,
        deploymentId,
        description: `${stageName} stage`,
        variables: { table: `orders-${stageName}` },
        tracingEnabled: stageName === 'prod',
      }),
    );
  }
  await gateway.send(
    new UpdateStageCommand({
      restApiId,
      stageName: 'prod',
      patchOperations: [{ op: 'replace', path: '/*/*/metrics/enabled', value: 'true' }],
    }),
  );
  return restApiId as string;
}

describe('apigateway-rest-api', () => {
  const name = unique('tv-orders-api');
  const runId = runIdAt();
  let id: string;
  let original: RestApiConfig;
  let item: Awaited<ReturnType<typeof backUp>>;

  beforeAll(async () => {
    id = await createOrdersApi(name);
    original = (await readRestApi(gateway, REGION, id)) as RestApiConfig;
    item = await backUp(apiGatewayRestApi, suite.store, REGION, id, runId);
  });

  it('re-creates a lost API whole, with a new id it reports for the ARN mapper', async () => {
    // Prepare
    await gateway.send(new DeleteRestApiCommand({ restApiId: id }));
    // Act
    const result = await restoreWith(
      apiGatewayRestApi,
      item,
      restoreContext({ store: suite.store, runId, region: REGION }),
    );
    const newId = result.ids?.[id] as string;
    const restored = (await readRestApi(gateway, REGION, newId)) as RestApiConfig;
    // Assess
    expect(result.action).toBe('create');
    expect(newId).toMatch(/^[a-z0-9]+$/);
    expect(newId).not.toBe(id);
    expect(comparable(restored)).toEqual(comparable(original));
    expect(original.resources.map((resource) => resource.path)).toEqual(['/', '/orders', '/orders/{id}']);
    expect(original.stages.map((stage) => stage.stageName).sort()).toEqual(['dev', 'prod']);
    expect(result.notes.join(' ')).toMatch(/one new deployment/);
    expect(original.authorizers).toHaveLength(1);
    expect(original.requestValidators).toHaveLength(1);
    expect(original.gatewayResponses.map((response) => response.responseType)).toEqual(['DEFAULT_4XX']);
    expect(original.models.map((model) => model.name)).toContain('Order');
    expect(
      restored.resources[2]?.methods.GET?.methodIntegration?.integrationResponses?.['200'],
    ).toBeDefined();
    expect(restored.resources[1]?.methods.POST?.authorizerId).toBe(restored.authorizers[0]?.id);
    expect(
      restored.stages.find((stage) => stage.stageName === 'prod')?.methodSettings?.['*/*']?.metricsEnabled,
    ).toBe(true);
    id = newId;
  });

  it('finds the restored API by name next time, unchanged; a changed one differs until --force', async () => {
    // Prepare
    const base = { store: suite.store, runId, region: REGION };
    // Act
    const unchanged = await restoreWith(apiGatewayRestApi, item, restoreContext(base));
    await gateway.send(
      new UpdateStageCommand({
        restApiId: id,
        stageName: 'dev',
        patchOperations: [{ op: 'replace', path: '/variables/table', value: 'elsewhere' }],
      }),
    );
    const refused = await restoreWith(apiGatewayRestApi, item, restoreContext(base));
    const forced = await restoreWith(apiGatewayRestApi, item, restoreContext({ ...base, force: true }));
    const again = await restoreWith(apiGatewayRestApi, item, restoreContext(base));
    // Assess
    expect(unchanged.action).toBe('unchanged');
    expect(unchanged.ids).toEqual({ [item.name]: id });
    expect(refused.action).toBe('differs');
    expect(refused.changes[0]?.fields).toEqual([
      { field: 'Stages.dev.variables.table', current: 'elsewhere', desired: 'orders-dev' },
    ]);
    expect(forced.action).toBe('update');
    expect(again.action).toBe('unchanged');
  });

  it('a scratch copy (drill) gets the suffix in its name and is torn down by its new id', async () => {
    // Prepare
    const suffix = '-drill-abcdef';
    const context = restoreContext({
      store: suite.store,
      runId,
      region: REGION,
      suffix,
      restored: { 'apigateway-rest-api': [item.name] },
    });
    // Act
    const result = await restoreWith(apiGatewayRestApi, item, context);
    const copyId = result.ids?.[item.name] as string;
    const mapper = mapperFor({ ...context.mapper.spec, apiIds: { [item.name]: copyId } });
    const deletions = await apiGatewayRestApi.teardown?.(REGION, `${item.name}${suffix}`, {
      source: item.name,
      mapper,
    });
    const removed = [await deletions?.[0]?.remove(), await deletions?.[0]?.remove()];
    const left = (await gateway.send(new GetRestApisCommand({ limit: 500 }))).items?.filter((api) =>
      api.name?.startsWith(name),
    );
    // Assess
    expect(result.action).toBe('create');
    expect(copyId).not.toBe(id);
    expect(removed).toEqual([true, false]);
    expect(left?.map((api) => api.name)).toEqual([name]);
  });
});
