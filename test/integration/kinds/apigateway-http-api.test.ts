import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateAuthorizerCommand,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateModelCommand,
  CreateRouteCommand,
  CreateStageCommand,
  DeleteApiCommand,
  DeleteStageCommand,
  GetAuthorizerCommand,
  GetAuthorizersCommand,
  GetModelCommand,
  GetModelsCommand,
  GetStageCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-apigatewayv2';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { readHttpApi } from '../../../src/kinds/apigateway-http-api/capture.js';
import type { HttpApiConfig } from '../../../src/kinds/apigateway-http-api/format.js';
import { apiGatewayHttpApi } from '../../../src/kinds/apigateway-http-api/index.js';
import { mapperFor } from '../../../src/restore/mapper.js';
import { ACCOUNT_ID, unique } from '../../helpers/aws.js';
import { runIdAt, suiteFileStore } from '../../helpers/kinds.js';
import { mockOnly } from '../../helpers/partial-mock.js';
import { HOME_REGION } from '../../helpers/region-claims.js';
import { backUp, restoreContext, restoreWith } from '../../helpers/source-kinds.js';

// Named APIs only (this file never backs up or lists a whole region): the shared home region is enough.
const REGION = HOME_REGION;
const gateway = client(ApiGatewayV2Client, REGION);
const suite = suiteFileStore();

// moto's API Gateway v2 has no GetAuthorizers, no GetModels (it has the single Get calls), no
// deployments and no UpdateStage: those go to aws-sdk-client-mock — the lists are answered from what
// was created through moto (each entry read back from moto with GetAuthorizer / GetModel),
// deployments are recorded, and UpdateStage replaces the stage in moto (GetStage, DeleteStage,
// CreateStage with the fields merged). Every other call goes to moto.
const { mock, toEmulator } = mockOnly(ApiGatewayV2Client);
const created = { authorizers: new Map<string, string[]>(), models: new Map<string, string[]>() };
const deployments: { ApiId?: string; StageName?: string }[] = [];
const withoutMetadata = (answer: unknown) => {
  const { $metadata: _metadata, ...rest } = answer as Record<string, unknown>;
  return rest;
};
const remember = (map: Map<string, string[]>, api: string, id: string) =>
  map.set(api, [...(map.get(api) ?? []), id]);
mock.on(CreateAuthorizerCommand).callsFake(async (input: { ApiId: string }, getClient) => {
  const answer = await toEmulator<{ AuthorizerId: string }>(
    getClient(),
    new CreateAuthorizerCommand(input as never),
  );
  remember(created.authorizers, input.ApiId, answer.AuthorizerId);
  return answer;
});
mock.on(CreateModelCommand).callsFake(async (input: { ApiId: string }, getClient) => {
  const answer = await toEmulator<{ ModelId: string }>(getClient(), new CreateModelCommand(input as never));
  remember(created.models, input.ApiId, answer.ModelId);
  return answer;
});
mock.on(GetAuthorizersCommand).callsFake(async ({ ApiId }: { ApiId: string }, getClient) => ({
  Items: await Promise.all(
    (created.authorizers.get(ApiId) ?? []).map((AuthorizerId) =>
      toEmulator(getClient(), new GetAuthorizerCommand({ ApiId, AuthorizerId })).then(withoutMetadata),
    ),
  ),
}));
mock.on(GetModelsCommand).callsFake(async ({ ApiId }: { ApiId: string }, getClient) => ({
  Items: await Promise.all(
    (created.models.get(ApiId) ?? []).map((ModelId) =>
      toEmulator(getClient(), new GetModelCommand({ ApiId, ModelId })).then(withoutMetadata),
    ),
  ),
}));
mock.on(CreateDeploymentCommand).callsFake(async (input: { ApiId?: string; StageName?: string }) => {
  deployments.push({ ApiId: input.ApiId, StageName: input.StageName });
  return { DeploymentId: `d${deployments.length}`, DeploymentStatus: 'DEPLOYED' };
});
mock.on(UpdateStageCommand).callsFake(async (input: { ApiId: string; StageName: string }, getClient) => {
  const key = { ApiId: input.ApiId, StageName: input.StageName };
  const current = withoutMetadata(
    await toEmulator<Record<string, unknown>>(getClient(), new GetStageCommand(key)),
  );
  await toEmulator(getClient(), new DeleteStageCommand(key));
  const { CreatedDate: _created, LastUpdatedDate: _updated, DeploymentId: _deployment, ...kept } = current;
  return toEmulator(getClient(), new CreateStageCommand({ ...kept, ...input } as never));
});
afterAll(() => mock.restore());

const lambdaArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`;

/** An API as read back with the ids API Gateway generates replaced by what names them. */
function comparable(config: HttpApiConfig): unknown {
  const integrations = new Map(
    config.integrations.map((entry) => [
      entry.IntegrationId,
      `${entry.IntegrationType} ${entry.IntegrationUri}`,
    ]),
  );
  const authorizers = new Map(config.authorizers.map((entry) => [entry.AuthorizerId, entry.Name]));
  const volatile = new Set([
    'ApiId',
    'IntegrationId',
    'RouteId',
    'AuthorizerId',
    'ModelId',
    'DeploymentId',
    'CreatedDate',
    'LastUpdatedDate',
    'ApiEndpoint',
    'region',
    'id',
  ]);
  const walk = (value: unknown, key = ''): unknown => {
    if (typeof value === 'string') {
      if (key === 'Target') return integrations.get(value.replace('integrations/', ''));
      if (key === 'AuthorizerId') return authorizers.get(value);
      return value.replaceAll(config.id, '(api)');
    }
    if (Array.isArray(value))
      return value
        .map((entry) => walk(entry))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([field]) => !volatile.has(field) || field === 'AuthorizerId')
        .map(([field, entry]) => [field, walk(entry, field)]),
    );
  };
  return walk(config);
}

async function createOrdersApi(name: string): Promise<string> {
  const { ApiId } = await gateway.send(
    new CreateApiCommand({
      Name: name,
      ProtocolType: 'HTTP',
      Description: 'orders HTTP API',
      CorsConfiguration: {
        AllowOrigins: ['https://shop.example.com'],
        AllowMethods: ['GET', 'POST'],
        MaxAge: 300,
      },
      Tags: { app: 'orders' },
    }),
  );
  const authorizer = await gateway.send(
    new CreateAuthorizerCommand({
      ApiId,
      Name: 'jwt',
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Audience: ['orders'], Issuer: 'https://issuer.example.com' },
    }),
  );
  await gateway.send(
    new CreateModelCommand({
      ApiId,
      Name: 'Order',
      ContentType: 'application/json',
      Schema: '{"type":"object"}',
    }),
  );
  const lambda = await gateway.send(
    new CreateIntegrationCommand({
      ApiId,
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: lambdaArn('orders-api'),
      PayloadFormatVersion: '2.0',
      TimeoutInMillis: 10_000,
    }),
  );
  const legacy = await gateway.send(
    new CreateIntegrationCommand({
      ApiId,
      IntegrationType: 'HTTP_PROXY',
      IntegrationMethod: 'ANY',
      IntegrationUri: 'https://legacy.example.com/{proxy}',
      PayloadFormatVersion: '1.0',
    }),
  );
  await gateway.send(
    new CreateRouteCommand({
      ApiId,
      RouteKey: 'GET /orders',
      Target: `integrations/${lambda.IntegrationId}`,
      AuthorizationType: 'JWT',
      AuthorizerId: authorizer.AuthorizerId,
      AuthorizationScopes: ['orders/read'],
    }),
  );
  await gateway.send(
    new CreateRouteCommand({
      ApiId,
      RouteKey: 'ANY /legacy/{proxy+}',
      Target: `integrations/${legacy.IntegrationId}`,
    }),
  );
  await gateway.send(new CreateStageCommand({ ApiId, StageName: '$default', AutoDeploy: true }));
  await gateway.send(
    new CreateStageCommand({
      ApiId,
      StageName: 'prod',
      AutoDeploy: false,
      Description: 'production',
      StageVariables: { table: 'orders' },
      DefaultRouteSettings: { ThrottlingBurstLimit: 50, ThrottlingRateLimit: 20 },
      Tags: { stage: 'prod' },
    }),
  );
  return ApiId as string;
}

describe('apigateway-http-api', () => {
  const name = unique('tv-orders-http');
  const runId = runIdAt();
  let id: string;
  let original: HttpApiConfig;
  let item: Awaited<ReturnType<typeof backUp>>;

  beforeAll(async () => {
    id = await createOrdersApi(name);
    original = (await readHttpApi(gateway, REGION, id)) as HttpApiConfig;
    item = await backUp(apiGatewayHttpApi, suite.store, REGION, id, runId);
  });

  it('re-creates a lost API whole under a new id, deploying the stage that does not deploy itself', async () => {
    // Prepare
    await gateway.send(new DeleteApiCommand({ ApiId: id }));
    // Act
    const result = await restoreWith(
      apiGatewayHttpApi,
      item,
      restoreContext({ store: suite.store, runId, region: REGION }),
    );
    const newId = result.ids?.[id] as string;
    const restored = (await readHttpApi(gateway, REGION, newId)) as HttpApiConfig;
    // Assess
    expect(result.action).toBe('create');
    expect(newId).not.toBe(id);
    expect(comparable(restored)).toEqual(comparable(original));
    expect(original.routes).toHaveLength(2);
    expect(original.settings.CorsConfiguration).toMatchObject({ AllowOrigins: ['https://shop.example.com'] });
    expect(original.stages.find((stage) => stage.StageName === 'prod')?.StageVariables).toEqual({
      table: 'orders',
    });
    expect(original.models.map((model) => model.Name)).toEqual(['Order']);
    expect(original.authorizers.map((entry) => entry.Name)).toEqual(['jwt']);
    expect(restored.routes.find((route) => route.RouteKey === 'GET /orders')?.AuthorizerId).toBe(
      restored.authorizers[0]?.AuthorizerId,
    );
    expect(deployments).toEqual([{ ApiId: newId, StageName: 'prod' }]);
    id = newId;
  });

  it('finds it by name next time, unchanged; a changed stage differs until --force', async () => {
    // Prepare
    const base = { store: suite.store, runId, region: REGION };
    // Act
    const unchanged = await restoreWith(apiGatewayHttpApi, item, restoreContext(base));
    await gateway.send(
      new UpdateStageCommand({ ApiId: id, StageName: 'prod', StageVariables: { table: 'elsewhere' } }),
    );
    const refused = await restoreWith(apiGatewayHttpApi, item, restoreContext(base));
    const forced = await restoreWith(apiGatewayHttpApi, item, restoreContext({ ...base, force: true }));
    const again = await restoreWith(apiGatewayHttpApi, item, restoreContext(base));
    // Assess
    expect(unchanged.action).toBe('unchanged');
    expect(refused.action).toBe('differs');
    expect(refused.changes[0]?.fields).toEqual([
      { field: 'Stages.prod.StageVariables.table', current: 'elsewhere', desired: 'orders' },
    ]);
    expect(forced.action).toBe('update');
    expect(again.action).toBe('unchanged');
  });

  it('a scratch copy (drill) is named with the suffix and torn down by its new id', async () => {
    // Prepare
    const suffix = '-drill-123abc';
    const context = restoreContext({
      store: suite.store,
      runId,
      region: REGION,
      suffix,
      restored: { 'apigateway-http-api': [item.name] },
    });
    // Act
    const result = await restoreWith(apiGatewayHttpApi, item, context);
    const copyId = result.ids?.[item.name] as string;
    const copy = await readHttpApi(gateway, REGION, copyId);
    const mapper = mapperFor({ ...context.mapper.spec, apiIds: { [item.name]: copyId } });
    const deletions = await apiGatewayHttpApi.teardown?.(REGION, `${item.name}${suffix}`, {
      source: item.name,
      mapper,
    });
    const removed = [await deletions?.[0]?.remove(), await deletions?.[0]?.remove()];
    // Assess
    expect(result.action).toBe('create');
    expect(copy?.name).toBe(`${name}${suffix}`);
    expect(removed).toEqual([true, false]);
  });
});
