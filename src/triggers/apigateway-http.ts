import {
  ApiGatewayV2Client,
  GetApiCommand,
  GetApisCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  type Integration,
  type Route,
} from '@aws-sdk/client-apigatewayv2';
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

const regionApis = regionMemo((region) =>
  paginate(async (NextToken) => {
    const page = await client(ApiGatewayV2Client, region).send(new GetApisCommand({ NextToken }));
    return { items: page.Items?.map((api) => api.ApiId as string), next: page.NextToken };
  }),
);

// The execute-api ARN tail of a route: `GET /items` is `GET/items`, `ANY /x` is `*` then `/x`, `$default` stays.
const routeInArn = (routeKey: string): string => {
  const [method, path] = routeKey.split(' ');
  return path === undefined ? routeKey : `${method === 'ANY' ? '*' : method}${path}`;
};

/** The integrations of one HTTP or WebSocket API that invoke the function, each with the routes using it. */
async function apiRecords(fn: FunctionRef, api: ApiSource): Promise<TriggerRecord[]> {
  const gateway = client(ApiGatewayV2Client, api.region);
  const [details, integrations, routes] = await Promise.all([
    gateway.send(new GetApiCommand({ ApiId: api.apiId })),
    paginate(async (NextToken) => {
      const page = await gateway.send(new GetIntegrationsCommand({ ApiId: api.apiId, NextToken }));
      return { items: page.Items, next: page.NextToken };
    }),
    paginate(async (NextToken) => {
      const page = await gateway.send(new GetRoutesCommand({ ApiId: api.apiId, NextToken }));
      return { items: page.Items, next: page.NextToken };
    }),
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

/** API Gateway v2 (HTTP and WebSocket) Lambda proxy integrations of the function, with their routes. */
export const apiGatewayHttpTrigger: TriggerType = {
  type: 'apigateway-http',
  async list(fn: FunctionRef) {
    const apis = await apiSources(fn, regionApis);
    return fromEachSource(
      apis,
      (api) => `http api ${api.apiId}`,
      (api) => apiRecords(fn, api),
    );
  },
};
