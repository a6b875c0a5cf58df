import {
  APIGatewayClient,
  CreateResourceCommand,
  CreateRestApiCommand,
  GetResourcesCommand,
  PutIntegrationCommand,
  PutMethodCommand,
} from '@aws-sdk/client-api-gateway';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { apiGatewayRestTrigger } from '../../../src/triggers/apigateway-rest.js';
import { loadFunctionRef } from '../../../src/triggers/function-ref.js';
import { clearListingMemos } from '../../../src/triggers/shared.js';
import { ACCOUNT_ID, createTestFunction, unique } from '../../helpers/aws.js';
import { allowInvoke } from '../../helpers/triggers.js';

const REGION = 'ap-south-1';
const APIGW = 'apigateway.amazonaws.com';
const gateway = () => client(APIGatewayClient, REGION);
const invocationUri = (functionArn: string) =>
  `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${functionArn}/invocations`;

/** The integration createApi sets up, as API Gateway reports it. */
const proxyIntegration = (functionArn: string) => ({
  type: 'AWS_PROXY',
  uri: invocationUri(functionArn),
  httpMethod: 'POST',
  timeoutInMillis: 10_000,
  passthroughBehavior: 'WHEN_NO_MATCH',
  requestTemplates: { 'application/json': '{}' },
});

/** A REST API with `/<path>` whose `httpMethod` is a Lambda proxy integration of `functionArn`. */
async function createApi(path: string, httpMethod: string, functionArn: string) {
  const name = unique('tv-rest');
  const api = await gateway().send(new CreateRestApiCommand({ name }));
  const restApiId = api.id as string;
  const root = (await gateway().send(new GetResourcesCommand({ restApiId }))).items?.[0]?.id as string;
  const resource = await gateway().send(
    new CreateResourceCommand({ restApiId, parentId: root, pathPart: path }),
  );
  const resourceId = resource.id as string;
  await gateway().send(
    new PutMethodCommand({
      restApiId,
      resourceId,
      httpMethod,
      authorizationType: 'NONE',
      apiKeyRequired: true,
    }),
  );
  await gateway().send(
    new PutIntegrationCommand({
      restApiId,
      resourceId,
      httpMethod,
      type: 'AWS_PROXY',
      integrationHttpMethod: 'POST',
      uri: invocationUri(functionArn),
      timeoutInMillis: 10_000,
      passthroughBehavior: 'WHEN_NO_MATCH',
      requestTemplates: { 'application/json': '{}' },
    }),
  );
  return { name, restApiId, root, resourceId };
}

describe('apigateway-rest trigger', () => {
  beforeEach(() => clearListingMemos());

  it('captures the Lambda integrations of the API named in the policy, with only the matching grants', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    const other = await createTestFunction(REGION);
    const api = await createApi('orders', 'POST', fn.arn);
    await gateway().send(
      new PutMethodCommand({
        restApiId: api.restApiId,
        resourceId: api.root,
        httpMethod: 'GET',
        authorizationType: 'NONE',
      }),
    );
    await gateway().send(
      new PutIntegrationCommand({
        restApiId: api.restApiId,
        resourceId: api.root,
        httpMethod: 'GET',
        type: 'MOCK',
      }),
    );
    const elsewhere = await gateway().send(
      new CreateResourceCommand({ restApiId: api.restApiId, parentId: api.root, pathPart: 'other' }),
    );
    await gateway().send(
      new PutMethodCommand({
        restApiId: api.restApiId,
        resourceId: elsewhere.id,
        httpMethod: 'GET',
        authorizationType: 'NONE',
      }),
    );
    await gateway().send(
      new PutIntegrationCommand({
        restApiId: api.restApiId,
        resourceId: elsewhere.id,
        httpMethod: 'GET',
        type: 'AWS_PROXY',
        integrationHttpMethod: 'POST',
        uri: invocationUri(other.arn),
      }),
    );
    const executeApi = `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${api.restApiId}`;
    const grant = await allowInvoke(REGION, {
      functionName: fn.name,
      sid: 'orders',
      service: APIGW,
      sourceArn: `${executeApi}/*/POST/orders`,
    });
    await allowInvoke(REGION, {
      functionName: fn.name,
      sid: 'unrelated',
      service: APIGW,
      sourceArn: `${executeApi}/prod/GET/other`,
    });
    // Act
    const records = await apiGatewayRestTrigger.list(await loadFunctionRef(REGION, fn.name));
    // Assess
    expect(records).toEqual([
      {
        type: 'apigateway-rest',
        id: `${api.restApiId}/${api.resourceId}/POST`,
        source: `arn:aws:apigateway:${REGION}::/restapis/${api.restApiId}/resources/${api.resourceId}/methods/POST`,
        target: fn.arn,
        config: {
          restApiId: api.restApiId,
          apiName: api.name,
          resourceId: api.resourceId,
          path: '/orders',
          httpMethod: 'POST',
          authorizationType: 'NONE',
          apiKeyRequired: true,
          integration: proxyIntegration(fn.arn),
        },
        permissions: [grant],
      },
    ]);
  });

  it('lists the APIs of the region when a statement names no API', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    const api = await createApi('items', 'ANY', fn.arn);
    const grant = await allowInvoke(REGION, { functionName: fn.name, sid: 'any-api', service: APIGW });
    // Act
    const records = await apiGatewayRestTrigger.list(await loadFunctionRef(REGION, fn.name));
    // Assess
    expect(records).toEqual([
      {
        type: 'apigateway-rest',
        id: `${api.restApiId}/${api.resourceId}/ANY`,
        source: `arn:aws:apigateway:${REGION}::/restapis/${api.restApiId}/resources/${api.resourceId}/methods/ANY`,
        target: fn.arn,
        config: {
          restApiId: api.restApiId,
          apiName: api.name,
          resourceId: api.resourceId,
          path: '/items',
          httpMethod: 'ANY',
          authorizationType: 'NONE',
          apiKeyRequired: true,
          integration: proxyIntegration(fn.arn),
        },
        permissions: [grant],
      },
    ]);
  });
});
