import {
  APIGatewayClient,
  CreateResourceCommand,
  GetResourcesCommand,
  PutIntegrationCommand,
  PutMethodCommand,
} from '@aws-sdk/client-api-gateway';
import {
  ApiGatewayV2Client,
  CreateIntegrationCommand,
  CreateRouteCommand,
} from '@aws-sdk/client-apigatewayv2';
import {
  CreateFunctionUrlConfigCommand,
  LambdaClient,
  PutFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { client } from '../aws/clients.js';
import { type SeedOptions, seedSources } from './seed-sources.js';
import { createAlias, createFunction, lambdaRole, publishLayer, publishVersions } from './seeding/lambda.js';
import {
  allowInvoke,
  mapEventSource,
  notifyFunctions,
  scheduleFunction,
  subscribeFunction,
} from './seeding/triggers.js';

export {
  SEEDED_QUEUE,
  SEEDED_TOPIC,
  type SeededSources,
  type SeedOptions,
  seedSources,
} from './seed-sources.js';

export const DEMO_REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'] as const;

const handlerSource = (name: string, version: number) => ({
  'index.js': `// ${name} v${version}\nexports.handler = async (event) => ({ fn: '${name}', version: ${version}, records: (event.Records || []).length });\n`,
});

/** What the seeding created in one region, for the demo's report and for tests. */
export interface SeededRegion {
  region: string;
  account: string;
  functions: string[];
  table: string;
  bucket: string;
  stream: string;
  restApiId: string;
  httpApiId: string;
}

/** One shared role for every seeded function (regions are seeded concurrently; created once). */
const DEMO_ROLE = 'triggervault-demo-app';

/** A function with a layer, env, tags, two published versions and a weighted alias `live`. */
async function createAppFunction(
  region: string,
  name: string,
  role: string,
  layerArn: string,
): Promise<string> {
  const created = await createFunction(region, {
    name,
    role,
    files: handlerSource(name, 1),
    settings: {
      Description: `demo ${name}`,
      MemorySize: 256,
      Timeout: 30,
      Layers: [layerArn],
      Environment: { Variables: { APP: 'orders', STAGE: 'demo', FUNCTION: name } },
      Tags: { app: 'orders', team: 'platform' },
      TracingConfig: { Mode: 'Active' },
      EphemeralStorage: { Size: 1024 },
    },
  });
  await publishVersions(region, name, [
    { description: 'first release' },
    { files: handlerSource(name, 2), description: 'second release' },
  ]);
  await createAlias(region, {
    FunctionName: name,
    Name: 'live',
    FunctionVersion: '2',
    RoutingConfig: { AdditionalVersionWeights: { '1': 0.1 } },
  });
  await client(LambdaClient, region).send(
    new PutFunctionEventInvokeConfigCommand({
      FunctionName: name,
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 3600,
    }),
  );
  return created.arn;
}

/** API Gateway REST and HTTP APIs in front of orders-api, with the permissions they need. */
async function wireApis(
  region: string,
  account: string,
  restId: string,
  httpId: string,
  functionArn: string,
) {
  const apigw = client(APIGatewayClient, region);
  const root = (await apigw.send(new GetResourcesCommand({ restApiId: restId }))).items?.find(
    (item) => item.path === '/',
  );
  const resource = await apigw.send(
    new CreateResourceCommand({ restApiId: restId, parentId: root?.id, pathPart: 'orders' }),
  );
  await apigw.send(
    new PutMethodCommand({
      restApiId: restId,
      resourceId: resource.id,
      httpMethod: 'POST',
      authorizationType: 'NONE',
    }),
  );
  await apigw.send(
    new PutIntegrationCommand({
      restApiId: restId,
      resourceId: resource.id,
      httpMethod: 'POST',
      type: 'AWS_PROXY',
      integrationHttpMethod: 'POST',
      uri: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${functionArn}/invocations`,
    }),
  );
  await allowInvoke(region, {
    functionName: 'orders-api',
    sid: 'apigw-rest',
    service: 'apigateway.amazonaws.com',
    sourceArn: `arn:aws:execute-api:${region}:${account}:${restId}/*/POST/orders`,
  });
  const http = client(ApiGatewayV2Client, region);
  const integration = await http.send(
    new CreateIntegrationCommand({
      ApiId: httpId,
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: functionArn,
      PayloadFormatVersion: '2.0',
    }),
  );
  await http.send(
    new CreateRouteCommand({
      ApiId: httpId,
      RouteKey: 'GET /orders',
      Target: `integrations/${integration.IntegrationId}`,
    }),
  );
  await allowInvoke(region, {
    functionName: 'orders-api',
    sid: 'apigw-http',
    service: 'apigateway.amazonaws.com',
    sourceArn: `arn:aws:execute-api:${region}:${account}:${httpId}/*/*/orders`,
  });
}

/** Seeds a realistic Lambda app in one region: every trigger type moto supports, with data. */
export async function seedRegion(region: string, options: SeedOptions = {}): Promise<SeededRegion> {
  const roleArn = await lambdaRole(DEMO_ROLE);
  const layerArn = await publishLayer(
    region,
    'shared-utils',
    { 'nodejs/node_modules/utils/index.js': 'module.exports = { ok: true };\n' },
    { description: 'shared helpers' },
  );
  const names = [
    'orders-api',
    'orders-stream',
    'thumbnails',
    'nightly-report',
    'notify',
    'ingest',
    'queue-worker',
  ];
  const arns = Object.fromEntries(
    await Promise.all(
      names.map(async (name) => [name, await createAppFunction(region, name, roleArn, layerArn)] as const),
    ),
  ) as Record<string, string>;
  // Sources carry data before they are wired: moto would try to invoke the function (in Docker) for each stream record.
  const sources = await seedSources(region, options);
  const { account, bucket } = sources;

  await wireApis(region, account, sources.restApiId, sources.httpApiId, arns['orders-api'] as string);
  await client(LambdaClient, region).send(
    new CreateFunctionUrlConfigCommand({ FunctionName: 'orders-api', AuthType: 'AWS_IAM' }),
  );

  // The table's stream feeds orders-stream.
  await mapEventSource(region, {
    FunctionName: 'orders-stream',
    EventSourceArn: sources.tableStreamArn,
    StartingPosition: 'TRIM_HORIZON',
    BatchSize: 50,
  });

  // The bucket notifies thumbnails.
  await notifyFunctions(
    region,
    bucket,
    [
      {
        Id: 'thumbnails-on-upload',
        LambdaFunctionArn: arns.thumbnails,
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
      },
    ],
    's3-uploads',
  );

  // EventBridge rule with an input transformer, and a Scheduler schedule, for nightly-report.
  await scheduleFunction(
    region,
    { name: 'nightly', schedule: 'rate(1 day)', description: 'nightly report' },
    {
      Id: 'report',
      Arn: arns['nightly-report'],
      InputTransformer: { InputPathsMap: { time: '$.time' }, InputTemplate: '{"at": <time>}' },
    },
    'events-nightly',
  );
  await client(SchedulerClient, region).send(
    new CreateScheduleCommand({
      Name: 'weekly-report',
      ScheduleExpression: 'cron(0 6 ? * MON *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: arns['nightly-report'], RoleArn: roleArn, Input: '{"period":"week"}' },
    }),
  );

  // The topic is subscribed by notify.
  await subscribeFunction(region, sources.topicArn, arns.notify as string, 'sns-orders');

  // The Kinesis stream feeds ingest, the queue feeds queue-worker.
  await mapEventSource(region, {
    FunctionName: 'ingest',
    EventSourceArn: sources.streamArn,
    StartingPosition: 'LATEST',
    BatchSize: 100,
    ParallelizationFactor: 2,
  });
  await mapEventSource(region, {
    FunctionName: 'queue-worker',
    EventSourceArn: sources.queueArn,
    BatchSize: 10,
    MaximumBatchingWindowInSeconds: 5,
  });

  return {
    region,
    account: sources.account,
    functions: names,
    table: sources.table,
    bucket,
    stream: sources.stream,
    restApiId: sources.restApiId,
    httpApiId: sources.httpApiId,
  };
}
