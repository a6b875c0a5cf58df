import {
  APIGatewayClient,
  CreateResourceCommand,
  CreateRestApiCommand,
  GetResourcesCommand,
  PutIntegrationCommand,
  PutMethodCommand,
} from '@aws-sdk/client-api-gateway';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
} from '@aws-sdk/client-apigatewayv2';
import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  LambdaClient,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { client } from '../aws/clients.js';
import { zipFiles } from './zip.js';

export const DEMO_REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'] as const;
/** The sample app's queue and topic (the demo's disaster deletes them by name). */
export const SEEDED_QUEUE = 'order-jobs';
export const SEEDED_TOPIC = 'order-events';

const handlerSource = (name: string, version: number) =>
  `// ${name} v${version}\nexports.handler = async (event) => ({ fn: '${name}', version: ${version}, records: (event.Records || []).length });\n`;

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

let role: Promise<string> | undefined;
/** One shared role for every seeded function; regions are seeded concurrently, so create it once. */
const ensureRole = (): Promise<string> => {
  role ??= createRole();
  return role;
};

async function createRole(): Promise<string> {
  const iam = client(IAMClient, 'us-east-1');
  const RoleName = 'triggervault-demo-app';
  try {
    return (await iam.send(new GetRoleCommand({ RoleName }))).Role?.Arn as string;
  } catch {
    const trust = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    };
    try {
      return (
        await iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: JSON.stringify(trust) }))
      ).Role?.Arn as string;
    } catch (error) {
      // Another process (a parallel test worker) created it in between.
      if ((error as Error).name !== 'EntityAlreadyExistsException') throw error;
      return (await iam.send(new GetRoleCommand({ RoleName }))).Role?.Arn as string;
    }
  }
}

/** A function with a layer, env, tags, two published versions and a weighted alias `live`. */
async function createAppFunction(
  region: string,
  name: string,
  role: string,
  layerArn: string,
): Promise<string> {
  const lambda = client(LambdaClient, region);
  const created = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: role,
      Code: { ZipFile: zipFiles({ 'index.js': handlerSource(name, 1) }) },
      Description: `demo ${name}`,
      MemorySize: 256,
      Timeout: 30,
      Layers: [layerArn],
      Environment: { Variables: { APP: 'orders', STAGE: 'demo', FUNCTION: name } },
      Tags: { app: 'orders', team: 'platform' },
      TracingConfig: { Mode: 'Active' },
      EphemeralStorage: { Size: 1024 },
    }),
  );
  await lambda.send(new PublishVersionCommand({ FunctionName: name, Description: 'first release' }));
  await lambda.send(
    new UpdateFunctionCodeCommand({
      FunctionName: name,
      ZipFile: zipFiles({ 'index.js': handlerSource(name, 2) }),
    }),
  );
  await lambda.send(new PublishVersionCommand({ FunctionName: name, Description: 'second release' }));
  await lambda.send(
    new CreateAliasCommand({
      FunctionName: name,
      Name: 'live',
      FunctionVersion: '2',
      RoutingConfig: { AdditionalVersionWeights: { '1': 0.1 } },
    }),
  );
  await lambda.send(
    new PutFunctionEventInvokeConfigCommand({
      FunctionName: name,
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 3600,
    }),
  );
  return created.FunctionArn as string;
}

async function allow(region: string, name: string, sid: string, principal: string, sourceArn: string) {
  await client(LambdaClient, region).send(
    new AddPermissionCommand({
      FunctionName: name,
      StatementId: sid,
      Action: 'lambda:InvokeFunction',
      Principal: principal,
      SourceArn: sourceArn,
    }),
  );
}

/** The event sources and APIs of the sample app, without functions or wiring. */
export interface SeededSources {
  account: string;
  table: string;
  tableStreamArn: string;
  bucket: string;
  stream: string;
  streamArn: string;
  queueArn: string;
  topicArn: string;
  restApiId: string;
  httpApiId: string;
}

export interface SeedOptions {
  items?: number;
  objects?: number;
  records?: number;
  /** The bucket's name (bucket names are global): default `tv-demo-uploads-<region>`. */
  bucket?: string;
}

/**
 * The sample app's event sources and APIs with their data: a DynamoDB table with a stream, an S3
 * bucket, a Kinesis stream, an SQS queue, an SNS topic, a REST API and an HTTP API. What a data
 * restore (or IaC) re-creates before the functions' triggers are wired again.
 */
export async function seedSources(region: string, options: SeedOptions = {}): Promise<SeededSources> {
  const account = (await client(STSClient, region).send(new GetCallerIdentityCommand({}))).Account as string;
  const rest = await client(APIGatewayClient, region).send(new CreateRestApiCommand({ name: 'orders' }));
  const http = await client(ApiGatewayV2Client, region).send(
    new CreateApiCommand({ Name: 'orders-http', ProtocolType: 'HTTP' }),
  );

  // DynamoDB table with a stream.
  const table = 'orders';
  const ddb = client(DynamoDBClient, region);
  const createdTable = await ddb.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  const itemCount = options.items ?? 60;
  for (let start = 0; start < itemCount; start += 25) {
    const batch = Array.from({ length: Math.min(25, itemCount - start) }, (_, offset) => ({
      PutRequest: {
        Item: {
          pk: { S: `order#${start + offset}` },
          sk: { N: String(start + offset) },
          total: { N: `${(start + offset) * 3}.25` },
          tags: { SS: ['new', `r-${region}`] },
          payload: { B: Buffer.from(`bytes-${start + offset}`) },
        },
      },
    }));
    await ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: batch } }));
  }

  // S3 bucket with objects.
  const bucket = options.bucket ?? `tv-demo-uploads-${region}`;
  const s3 = client(S3Client, region);
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      CreateBucketConfiguration:
        region === 'us-east-1' ? undefined : { LocationConstraint: region as BucketLocationConstraint },
    }),
  );
  for (let index = 0; index < (options.objects ?? 12); index += 1) {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `uploads/photo ${index}+é.txt`,
        Body: `image-${index}`,
        ContentType: 'text/plain',
        Metadata: { camera: `cam-${index}` },
      }),
    );
  }

  // SNS topic.
  const topic = await client(SNSClient, region).send(new CreateTopicCommand({ Name: SEEDED_TOPIC }));

  // Kinesis stream with records.
  const stream = 'clickstream';
  const kinesis = client(KinesisClient, region);
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
  const streamArn = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream })))
    .StreamDescriptionSummary?.StreamARN;
  const recordCount = options.records ?? 40;
  for (let start = 0; start < recordCount; start += 100) {
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: Array.from({ length: Math.min(100, recordCount - start) }, (_, offset) => ({
          PartitionKey: `user-${(start + offset) % 7}`,
          Data: Buffer.from(JSON.stringify({ click: start + offset })),
        })),
      }),
    );
  }

  // SQS queue.
  const queue = await client(SQSClient, region).send(new CreateQueueCommand({ QueueName: SEEDED_QUEUE }));
  const queueArn = (
    await client(SQSClient, region).send(
      new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
    )
  ).Attributes?.QueueArn;

  return {
    account,
    table,
    tableStreamArn: createdTable.TableDescription?.LatestStreamArn as string,
    bucket,
    stream,
    streamArn: streamArn as string,
    queueArn: queueArn as string,
    topicArn: topic.TopicArn as string,
    restApiId: rest.id as string,
    httpApiId: http.ApiId as string,
  };
}

/** Seeds a realistic Lambda app in one region: every trigger type moto supports, with data. */
export async function seedRegion(region: string, options: SeedOptions = {}): Promise<SeededRegion> {
  const roleArn = await ensureRole();
  const lambda = client(LambdaClient, region);
  const layer = await lambda.send(
    new PublishLayerVersionCommand({
      LayerName: 'shared-utils',
      Description: 'shared helpers',
      Content: {
        ZipFile: zipFiles({ 'nodejs/node_modules/utils/index.js': 'module.exports = { ok: true };\n' }),
      },
      CompatibleRuntimes: ['nodejs22.x'],
    }),
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
      names.map(
        async (name) =>
          [name, await createAppFunction(region, name, roleArn, layer.LayerVersionArn as string)] as const,
      ),
    ),
  ) as Record<string, string>;
  // Sources carry data before they are wired: moto would try to invoke the function (in Docker) for each stream record.
  const sources = await seedSources(region, options);
  const { account, bucket } = sources;

  // API Gateway REST and HTTP APIs in front of orders-api.
  const apigw = client(APIGatewayClient, region);
  const restId = sources.restApiId;
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
      uri: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arns['orders-api']}/invocations`,
    }),
  );
  await allow(
    region,
    'orders-api',
    'apigw-rest',
    'apigateway.amazonaws.com',
    `arn:aws:execute-api:${region}:${account}:${restId}/*/POST/orders`,
  );
  const integration = await client(ApiGatewayV2Client, region).send(
    new CreateIntegrationCommand({
      ApiId: sources.httpApiId,
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: arns['orders-api'],
      PayloadFormatVersion: '2.0',
    }),
  );
  await client(ApiGatewayV2Client, region).send(
    new CreateRouteCommand({
      ApiId: sources.httpApiId,
      RouteKey: 'GET /orders',
      Target: `integrations/${integration.IntegrationId}`,
    }),
  );
  await allow(
    region,
    'orders-api',
    'apigw-http',
    'apigateway.amazonaws.com',
    `arn:aws:execute-api:${region}:${account}:${sources.httpApiId}/*/*/orders`,
  );
  await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'orders-api', AuthType: 'AWS_IAM' }));

  // The table's stream feeds orders-stream.
  await lambda.send(
    new CreateEventSourceMappingCommand({
      FunctionName: 'orders-stream',
      EventSourceArn: sources.tableStreamArn,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 50,
    }),
  );

  // The bucket notifies thumbnails.
  await allow(region, 'thumbnails', 's3-uploads', 's3.amazonaws.com', `arn:aws:s3:::${bucket}`);
  await client(S3Client, region).send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Id: 'thumbnails-on-upload',
            LambdaFunctionArn: arns.thumbnails,
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
          },
        ],
      },
    }),
  );

  // EventBridge rule with an input transformer, and a Scheduler schedule, for nightly-report.
  const events = client(EventBridgeClient, region);
  const rule = await events.send(
    new PutRuleCommand({ Name: 'nightly', ScheduleExpression: 'rate(1 day)', Description: 'nightly report' }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: 'nightly',
      Targets: [
        {
          Id: 'report',
          Arn: arns['nightly-report'],
          InputTransformer: { InputPathsMap: { time: '$.time' }, InputTemplate: '{"at": <time>}' },
        },
      ],
    }),
  );
  await allow(region, 'nightly-report', 'events-nightly', 'events.amazonaws.com', rule.RuleArn as string);
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
  await client(SNSClient, region).send(
    new SubscribeCommand({ TopicArn: sources.topicArn, Protocol: 'lambda', Endpoint: arns.notify }),
  );
  await allow(region, 'notify', 'sns-orders', 'sns.amazonaws.com', sources.topicArn);

  // The Kinesis stream feeds ingest, the queue feeds queue-worker.
  await lambda.send(
    new CreateEventSourceMappingCommand({
      FunctionName: 'ingest',
      EventSourceArn: sources.streamArn,
      StartingPosition: 'LATEST',
      BatchSize: 100,
      ParallelizationFactor: 2,
    }),
  );
  await lambda.send(
    new CreateEventSourceMappingCommand({
      FunctionName: 'queue-worker',
      EventSourceArn: sources.queueArn,
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 5,
    }),
  );

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
