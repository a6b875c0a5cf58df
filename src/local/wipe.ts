import { APIGatewayClient, DeleteRestApiCommand } from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client, DeleteApiCommand } from '@aws-sdk/client-apigatewayv2';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteRuleCommand,
  EventBridgeClient,
  ListRuleNamesByTargetCommand,
  ListTargetsByRuleCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { DeleteStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import {
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  DeleteLayerVersionCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ListLayerVersionsCommand,
} from '@aws-sdk/client-lambda';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { DeleteScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  DeleteTopicCommand,
  ListSubscriptionsCommand,
  SNSClient,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { DeleteQueueCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { client } from '../aws/clients.js';
import { SEEDED_QUEUE, SEEDED_TOPIC, type SeededRegion } from './seed.js';

/**
 * The demo's disaster: deletes every function of the sample app in one region with all its wiring
 * (mappings, rule targets, schedules, subscriptions), its layer, the table, bucket and stream with
 * their data, the queue, the topic and both APIs — the region as a lost one would leave it (IAM
 * roles are global and stay). Emulator listings here are small: one page each.
 */
export async function wipeRegion(seeded: SeededRegion): Promise<void> {
  const { region } = seeded;
  const lambda = client(LambdaClient, region);
  const arns = seeded.functions.map((name) => `arn:aws:lambda:${region}:${seeded.account}:function:${name}`);
  const mappings = (await lambda.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings ?? [];
  for (const mapping of mappings.filter((entry) => arns.some((arn) => entry.FunctionArn?.startsWith(arn)))) {
    await lambda.send(new DeleteEventSourceMappingCommand({ UUID: mapping.UUID }));
  }
  const events = client(EventBridgeClient, region);
  for (const arn of arns) {
    for (const rule of (await events.send(new ListRuleNamesByTargetCommand({ TargetArn: arn }))).RuleNames ??
      []) {
      const targets = (await events.send(new ListTargetsByRuleCommand({ Rule: rule }))).Targets ?? [];
      await events.send(
        new RemoveTargetsCommand({ Rule: rule, Ids: targets.map((target) => target.Id as string) }),
      );
      await events.send(new DeleteRuleCommand({ Name: rule }));
    }
  }
  const scheduler = client(SchedulerClient, region);
  for (const schedule of (await scheduler.send(new ListSchedulesCommand({}))).Schedules ?? []) {
    if (arns.some((arn) => schedule.Target?.Arn?.startsWith(arn))) {
      await scheduler.send(new DeleteScheduleCommand({ Name: schedule.Name, GroupName: schedule.GroupName }));
    }
  }
  const sns = client(SNSClient, region);
  for (const subscription of (await sns.send(new ListSubscriptionsCommand({}))).Subscriptions ?? []) {
    if (arns.some((arn) => subscription.Endpoint?.startsWith(arn))) {
      await sns.send(new UnsubscribeCommand({ SubscriptionArn: subscription.SubscriptionArn }));
    }
  }
  for (const name of seeded.functions) await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
  for (const version of (await lambda.send(new ListLayerVersionsCommand({ LayerName: 'shared-utils' })))
    .LayerVersions ?? []) {
    await lambda.send(
      new DeleteLayerVersionCommand({ LayerName: 'shared-utils', VersionNumber: version.Version }),
    );
  }
  await emptyAndDeleteBucket(region, seeded.bucket);
  await client(DynamoDBClient, region).send(new DeleteTableCommand({ TableName: seeded.table }));
  await client(KinesisClient, region).send(
    new DeleteStreamCommand({ StreamName: seeded.stream, EnforceConsumerDeletion: true }),
  );
  await deleteSources(seeded);
}

/** The queue, the topic (with its subscriptions) and both APIs of the sample app: lost with the region. */
async function deleteSources(seeded: SeededRegion): Promise<void> {
  const { region } = seeded;
  await client(APIGatewayClient, region).send(new DeleteRestApiCommand({ restApiId: seeded.restApiId }));
  await client(ApiGatewayV2Client, region).send(new DeleteApiCommand({ ApiId: seeded.httpApiId }));
  await client(SNSClient, region).send(
    new DeleteTopicCommand({ TopicArn: `arn:aws:sns:${region}:${seeded.account}:${SEEDED_TOPIC}` }),
  );
  const sqs = client(SQSClient, region);
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: SEEDED_QUEUE }));
  await sqs.send(new DeleteQueueCommand({ QueueUrl }));
}

async function emptyAndDeleteBucket(region: string, bucket: string): Promise<void> {
  const s3 = client(S3Client, region);
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
    const objects = (page.Contents ?? []).map((object) => ({ Key: object.Key }));
    if (objects.length)
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}
