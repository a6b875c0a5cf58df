import {
  ApiGatewayV2Client,
  CreateIntegrationCommand,
  type CreateIntegrationCommandInput,
  CreateRouteCommand,
  DeleteIntegrationCommand,
  DeleteRouteCommand,
  GetApiCommand,
  GetApisCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  type Integration,
  type Route,
  UpdateIntegrationCommand,
  UpdateRouteCommand,
} from '@aws-sdk/client-apigatewayv2';
import type { Change } from '../../schemas/restore.js';
import { client } from '../aws/clients.js';
import { ifExists } from '../aws/errors.js';
import { paginate } from '../aws/paginate.js';
import type { RestoreContext } from '../reconcile/context.js';
import { pick, reconcile } from '../reconcile/diff.js';
import { locateByIdOrName } from '../reconcile/locate.js';
import { sharedSourceSkip } from '../reconcile/results.js';
import { permissionsForExecuteApi, targetsFunction } from './permissions.js';
import { cannotRestore, withPermissions } from './rewire.js';
import {
  type ApiSource,
  apiSources,
  compact,
  fromEachSource,
  functionArnInUri,
  regionMemo,
} from './shared.js';
import { templateHttpIntegrations } from './template-apis.js';
import type { FunctionRef, TriggerRecord, TriggerType } from './types.js';

/** Every HTTP and WebSocket API of the region, by id and name. */
const apisOf = (region: string) =>
  paginate(async (NextToken) => {
    const page = await client(ApiGatewayV2Client, region).send(new GetApisCommand({ NextToken }));
    return {
      items: page.Items?.map((api) => ({ id: api.ApiId as string, name: api.Name })),
      next: page.NextToken,
    };
  });

const regionApis = regionMemo(async (region) => (await apisOf(region)).map((api) => api.id));

// The execute-api ARN tail of a route: `GET /items` is `GET/items`, `ANY /x` is `*` then `/x`, `$default` stays.
const routeInArn = (routeKey: string): string => {
  const [method, path] = routeKey.split(' ');
  return path === undefined ? routeKey : `${method === 'ANY' ? '*' : method}${path}`;
};

const integrationsOf = (gateway: ApiGatewayV2Client, ApiId: string) =>
  paginate(async (NextToken) => {
    const page = await gateway.send(new GetIntegrationsCommand({ ApiId, NextToken }));
    return { items: page.Items, next: page.NextToken };
  });

const routesOf = (gateway: ApiGatewayV2Client, ApiId: string) =>
  paginate(async (NextToken) => {
    const page = await gateway.send(new GetRoutesCommand({ ApiId, NextToken }));
    return { items: page.Items, next: page.NextToken };
  });

/** The integrations of one HTTP or WebSocket API that invoke the function, each with the routes using it. */
async function apiRecords(fn: FunctionRef, api: ApiSource): Promise<TriggerRecord[]> {
  const gateway = client(ApiGatewayV2Client, api.region);
  const [details, integrations, routes] = await Promise.all([
    gateway.send(new GetApiCommand({ ApiId: api.apiId })),
    integrationsOf(gateway, api.apiId),
    routesOf(gateway, api.apiId),
  ]);
  return integrations
    .filter((integration) => integration.IntegrationType === 'AWS_PROXY')
    .filter((integration) => targetsFunction(functionArnInUri(integration.IntegrationUri), fn))
    .map((integration) => {
      const using = routes
        .filter((route) => route.Target === `integrations/${integration.IntegrationId}`)
        .sort((a, b) => ((a.RouteKey ?? '') < (b.RouteKey ?? '') ? -1 : 1));
      return integrationRecord(
        fn,
        api,
        { Name: details.Name, ProtocolType: details.ProtocolType },
        integration,
        using,
      );
    });
}

function integrationRecord(
  fn: FunctionRef,
  api: ApiSource,
  details: { Name?: string; ProtocolType?: string },
  integration: Integration,
  routes: Route[],
): TriggerRecord {
  const config = compact({
    ApiId: api.apiId,
    ...details,
    IntegrationId: integration.IntegrationId,
    IntegrationType: integration.IntegrationType,
    IntegrationUri: integration.IntegrationUri,
    IntegrationMethod: integration.IntegrationMethod,
    PayloadFormatVersion: integration.PayloadFormatVersion,
    TimeoutInMillis: integration.TimeoutInMillis,
    CredentialsArn: integration.CredentialsArn,
    Routes: routes.map((route) => ({
      RouteKey: route.RouteKey,
      Target: route.Target,
      AuthorizationType: route.AuthorizationType,
      AuthorizerId: route.AuthorizerId,
    })),
  });
  return {
    type: 'apigateway-http',
    id: `${api.apiId}/${integration.IntegrationId}`,
    source: `arn:aws:apigateway:${api.region}::/apis/${api.apiId}/integrations/${integration.IntegrationId}`,
    target: functionArnInUri(integration.IntegrationUri) as string,
    config,
    permissions: permissionsForExecuteApi(
      fn,
      api.arn,
      routes.map((route) => routeInArn(route.RouteKey as string)),
    ),
  };
}

const INTEGRATION_FIELDS = [
  'IntegrationType',
  'IntegrationUri',
  'IntegrationMethod',
  'PayloadFormatVersion',
  'TimeoutInMillis',
  'CredentialsArn',
] as const;
const integrationSettings = (integration: object) => pick(integration, INTEGRATION_FIELDS);
const routeSettings = (route: Route) =>
  pick(route, ['Target', 'AuthorizationType', 'AuthorizerId']) as Omit<Route, 'RouteKey'>;

/**
 * CreateIntegration (or UpdateIntegration of the one that invokes the function) on the API, which
 * must exist, then CreateRoute / UpdateRoute for every recorded route pointing at it.
 */
async function restoreIntegration(record: TriggerRecord, context: RestoreContext) {
  const config = record.config as { ApiId: string; Name?: string; IntegrationId: string; Routes: Route[] };
  // Under a name suffix, only an API this restore re-created (a scratch copy) is wired to the scratch function.
  const skip = sharedSourceSkip(
    context,
    context.mapper.isRestored('apigateway-http-api', config.ApiId),
    'the API would send its requests to the scratch function',
  );
  if (skip) return cannotRestore(record, 'skipped', skip);
  const ApiId = context.mapper.spec.apiIds[config.ApiId];
  if (!ApiId)
    return cannotRestore(
      record,
      'blocked',
      `API ${config.Name ?? config.ApiId} does not exist in ${context.targetRegion}`,
    );
  const gateway = client(ApiGatewayV2Client, context.targetRegion);
  const desired = integrationSettings(context.mapper.mapDeep(record.config));
  return withPermissions(record, context, async () => {
    const integrations = await integrationsOf(gateway, ApiId);
    const current =
      integrations.find(
        (integration) => ApiId === config.ApiId && integration.IntegrationId === config.IntegrationId,
      ) ?? integrations.find((integration) => integration.IntegrationUri === desired.IntegrationUri);
    let IntegrationId = current?.IntegrationId;
    const changes: Change[] = [
      await reconcile(context, {
        resource: `http integration ${ApiId} → ${desired.IntegrationUri}`,
        current: current && integrationSettings(current),
        desired,
        create: async () => {
          const input = { ...desired, ApiId } as CreateIntegrationCommandInput;
          IntegrationId = (await gateway.send(new CreateIntegrationCommand(input))).IntegrationId;
        },
        update: async () => {
          await gateway.send(
            new UpdateIntegrationCommand({
              ...desired,
              ApiId,
              IntegrationId,
            } as CreateIntegrationCommandInput & { IntegrationId: string }),
          );
        },
      }),
    ];
    const routes = await routesOf(gateway, ApiId);
    for (const route of config.Routes) {
      const existing = routes.find((candidate) => candidate.RouteKey === route.RouteKey);
      const wanted = routeSettings({ ...route, Target: `integrations/${IntegrationId ?? '(new)'}` });
      changes.push(
        await reconcile(context, {
          resource: `http route ${ApiId} ${route.RouteKey}`,
          current: existing && routeSettings(existing),
          desired: wanted,
          create: async () => {
            await gateway.send(new CreateRouteCommand({ ...wanted, ApiId, RouteKey: route.RouteKey }));
          },
          update: async () => {
            await gateway.send(new UpdateRouteCommand({ ...wanted, ApiId, RouteId: existing?.RouteId }));
          },
        }),
      );
    }
    return changes;
  });
}

/** API Gateway v2 (HTTP and WebSocket) Lambda proxy integrations of the function, with their routes. */
export const apiGatewayHttpTrigger: TriggerType = {
  template: templateHttpIntegrations,
  /** Removes the integration and the routes that target it; the API stays. */
  async remove(region, record) {
    const config = record.config as { ApiId: string; IntegrationId: string };
    const gateway = client(ApiGatewayV2Client, region);
    const routes = (await gateway.send(new GetRoutesCommand({ ApiId: config.ApiId }))).Items ?? [];
    for (const route of routes.filter(
      (candidate) => candidate.Target === `integrations/${config.IntegrationId}`,
    ))
      await gateway.send(new DeleteRouteCommand({ ApiId: config.ApiId, RouteId: route.RouteId }));
    await gateway.send(
      new DeleteIntegrationCommand({ ApiId: config.ApiId, IntegrationId: config.IntegrationId }),
    );
  },

  type: 'apigateway-http',
  async list(fn: FunctionRef) {
    const apis = await apiSources(fn, regionApis);
    return fromEachSource(
      apis,
      (api) => `http api ${api.apiId}`,
      (api) => apiRecords(fn, api),
    );
  },
  restore: restoreIntegration,
  expectedRecord: (record, mapper) => {
    const expected = mapper.mapDeep(record);
    const recorded = String(record.config.ApiId);
    const ApiId = mapper.spec.apiIds[recorded] ?? recorded;
    // An API this restore re-created under a suffix (a drill's scratch copy) carries it in its name.
    const suffix = mapper.mapName('apigateway-http-api', recorded).slice(recorded.length);
    const Name = record.config.Name === undefined ? {} : { Name: `${record.config.Name}${suffix}` };
    return {
      ...expected,
      id: record.id.replace(/^[^/]+/, ApiId),
      config: { ...expected.config, ApiId, ...Name },
    };
  },
  generatedIds: (record) => [String(record.config.IntegrationId)],
  resolveIds: (records, region) =>
    locateByIdOrName(
      records.map((record) => ({
        id: String(record.config.ApiId),
        name: record.config.Name as string | undefined,
      })),
      async (ApiId) =>
        (await ifExists(() => client(ApiGatewayV2Client, region).send(new GetApiCommand({ ApiId }))))?.Name,
      () => apisOf(region),
    ),
};
