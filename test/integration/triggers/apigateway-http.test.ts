import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  type ProtocolType,
} from '@aws-sdk/client-apigatewayv2';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { apiGatewayHttpTrigger } from '../../../src/triggers/apigateway-http.js';
import { loadFunctionRef } from '../../../src/triggers/function-ref.js';
import { clearListingMemos } from '../../../src/triggers/shared.js';
import { ACCOUNT_ID, createTestFunction, unique } from '../../helpers/aws.js';
import { allowInvoke } from '../../helpers/triggers.js';

const REGION = 'ap-northeast-2';
const APIGW = 'apigateway.amazonaws.com';
const gateway = () => client(ApiGatewayV2Client, REGION);

async function createApi(protocol: ProtocolType) {
  const Name = unique(`tv-${protocol.toLowerCase()}`);
  const routing = protocol === 'WEBSOCKET' ? { RouteSelectionExpression: '$request.body.action' } : {};
  const api = await gateway().send(new CreateApiCommand({ Name, ProtocolType: protocol, ...routing }));
  return { Name, ApiId: api.ApiId as string };
}

async function integrate(apiId: string, functionArn: string, routeKeys: string[]) {
  const integration = await gateway().send(
    new CreateIntegrationCommand({
      ApiId: apiId,
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: functionArn,
      IntegrationMethod: 'POST',
      PayloadFormatVersion: '2.0',
      TimeoutInMillis: 12_000,
    }),
  );
  const Target = `integrations/${integration.IntegrationId}`;
  for (const RouteKey of routeKeys) {
    await gateway().send(
      new CreateRouteCommand({ ApiId: apiId, RouteKey, Target, AuthorizationType: 'NONE' }),
    );
  }
  return integration.IntegrationId as string;
}

describe('apigateway-http trigger', () => {
  beforeEach(() => clearListingMemos());

  it('captures the proxy integrations of the API named in the policy with the routes using them', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    const other = await createTestFunction(REGION);
    const api = await createApi('HTTP');
    const integrationId = await integrate(api.ApiId, fn.arn, ['GET /items', 'POST /items']);
    await integrate(api.ApiId, other.arn, ['GET /other']);
    const executeApi = `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${api.ApiId}`;
    const grant = await allowInvoke(REGION, {
      functionName: fn.name,
      sid: 'items',
      service: APIGW,
      sourceArn: `${executeApi}/*/*/items`,
    });
    await allowInvoke(REGION, {
      functionName: fn.name,
      sid: 'unrelated',
      service: APIGW,
      sourceArn: `${executeApi}/*/GET/other`,
    });
    // Act
    const records = await apiGatewayHttpTrigger.list(await loadFunctionRef(REGION, fn.name));
    // Assess
    expect(records).toEqual([
      {
        type: 'apigateway-http',
        id: `${api.ApiId}/${integrationId}`,
        source: `arn:aws:apigateway:${REGION}::/apis/${api.ApiId}/integrations/${integrationId}`,
        target: fn.arn,
        config: {
          ApiId: api.ApiId,
          Name: api.Name,
          ProtocolType: 'HTTP',
          IntegrationId: integrationId,
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: fn.arn,
          IntegrationMethod: 'POST',
          PayloadFormatVersion: '2.0',
          TimeoutInMillis: 12_000,
          Routes: [
            { RouteKey: 'GET /items', Target: `integrations/${integrationId}`, AuthorizationType: 'NONE' },
            { RouteKey: 'POST /items', Target: `integrations/${integrationId}`, AuthorizationType: 'NONE' },
          ],
        },
        permissions: [grant],
      },
    ]);
  });

  it('lists the APIs of the region, WebSocket included, when a statement names no API', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    const api = await createApi('WEBSOCKET');
    const integrationId = await integrate(api.ApiId, fn.arn, ['$connect']);
    const grant = await allowInvoke(REGION, { functionName: fn.name, sid: 'any-api', service: APIGW });
    // Act
    const records = await apiGatewayHttpTrigger.list(await loadFunctionRef(REGION, fn.name));
    // Assess
    expect(records).toEqual([
      {
        type: 'apigateway-http',
        id: `${api.ApiId}/${integrationId}`,
        source: `arn:aws:apigateway:${REGION}::/apis/${api.ApiId}/integrations/${integrationId}`,
        target: fn.arn,
        config: {
          ApiId: api.ApiId,
          Name: api.Name,
          ProtocolType: 'WEBSOCKET',
          IntegrationId: integrationId,
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: fn.arn,
          IntegrationMethod: 'POST',
          PayloadFormatVersion: '2.0',
          TimeoutInMillis: 12_000,
          Routes: [
            { RouteKey: '$connect', Target: `integrations/${integrationId}`, AuthorizationType: 'NONE' },
          ],
        },
        permissions: [grant],
      },
    ]);
  });
});
