import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIGatewayClient, GetRestApisCommand } from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client, GetApisCommand } from '@aws-sdk/client-apigatewayv2';
import { DynamoDBClient, ListTablesCommand, TagResourceCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, ListEventBusesCommand, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import {
  LambdaClient,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  ListLayersCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  CreateTopicCommand,
  ListSubscriptionsCommand,
  ListTopicsCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RestorePlan } from '../../../schemas/restore.js';
import { client } from '../../../src/aws/clients.js';
import { LOCAL_HANDLERS } from '../../../src/local/handlers.js';
import { runStateMachineLocally } from '../../../src/local/runner.js';
import { type SeededRegion, seedRegion } from '../../../src/local/seed.js';
import type { DrillReport, DrillSummary } from '../../../src/restore/drill.js';
import { restorePlanKey } from '../../../src/restore/layout.js';
import { openStore } from '../../../src/store/open.js';
import type { BackupStore } from '../../../src/store/store.js';
import { runCli } from '../../helpers/cli.js';

// The sample app lives here and every drill runs against it; the region is this file's alone (a drill
// backs up the whole region): what a drill leaves is told by the drill suffix.
const REGION = 'ap-southeast-2';
let directory: string;
let store: BackupStore;
let runId: string;
let seeded: SeededRegion;
let queueUrl: string;
let before: Inventory;

/**
 * What a drill could leave behind in the region: everything named with a drill suffix (functions,
 * layers, tables, streams, rules, schedules, buckets), and every mapping and subscription.
 */
/**
 * The queues, topics, buses and APIs of the region, and the copies of the app's role (IAM is global:
 * other test files' roles are left out), by name.
 */
async function sourceNames(): Promise<string[]> {
  const [queues, topics, buses, restApis, httpApis, roles] = await Promise.all([
    client(SQSClient, REGION).send(new ListQueuesCommand({})),
    client(SNSClient, REGION).send(new ListTopicsCommand({})),
    client(EventBridgeClient, REGION).send(new ListEventBusesCommand({})),
    client(APIGatewayClient, REGION).send(new GetRestApisCommand({ limit: 500 })),
    client(ApiGatewayV2Client, REGION).send(new GetApisCommand({})),
    client(IAMClient, 'us-east-1').send(new ListRolesCommand({ MaxItems: 1000 })),
  ]);
  return [
    ...(queues.QueueUrls ?? []).map((url) => url.split('/').at(-1) ?? ''),
    ...(topics.Topics ?? []).map((topic) => topic.TopicArn?.split(':')[5] ?? ''),
    ...(buses.EventBuses ?? []).map((bus) => bus.Name ?? ''),
    ...(restApis.items ?? []).map((api) => api.name ?? ''),
    ...(httpApis.Items ?? []).map((api) => api.Name ?? ''),
    ...(roles.Roles ?? [])
      .map((role) => role.RoleName ?? '')
      .filter((name) => name.startsWith('triggervault-demo-app')),
  ].sort();
}

async function inventory() {
  const names = <T>(items: T[] | undefined, name: (item: T) => string | undefined) =>
    (items ?? []).map((item) => name(item) ?? '').sort();
  const [functions, layers, mappings, tables, streams, rules, schedules, subscriptions, buckets, sources] =
    await Promise.all([
      client(LambdaClient, REGION).send(new ListFunctionsCommand({})),
      client(LambdaClient, REGION).send(new ListLayersCommand({})),
      client(LambdaClient, REGION).send(new ListEventSourceMappingsCommand({})),
      client(DynamoDBClient, REGION).send(new ListTablesCommand({})),
      client(KinesisClient, REGION).send(new ListStreamsCommand({})),
      client(EventBridgeClient, REGION).send(new ListRulesCommand({})),
      client(SchedulerClient, REGION).send(new ListSchedulesCommand({})),
      client(SNSClient, REGION).send(new ListSubscriptionsCommand({})),
      client(S3Client, REGION).send(new ListBucketsCommand({ BucketRegion: REGION })),
      sourceNames(),
    ]);
  const scratch = [
    ...names(functions.Functions, (fn) => fn.FunctionName),
    ...names(layers.Layers, (layer) => layer.LayerName),
    ...(tables.TableNames ?? []),
    ...(streams.StreamNames ?? []),
    ...names(rules.Rules, (rule) => rule.Name),
    ...names(schedules.Schedules, (schedule) => schedule.Name),
    ...names(buckets.Buckets, (bucket) => bucket.Name),
    ...sources,
  ].filter((name) => name.includes('-drill-'));
  return {
    scratch,
    mappings: names(mappings.EventSourceMappings, (mapping) => mapping.UUID),
    subscriptions: names(subscriptions.Subscriptions, (subscription) => subscription.SubscriptionArn),
  };
}
type Inventory = Awaited<ReturnType<typeof inventory>>;

/**
 * The drill results published to the topic since the last call: every message in the queue, each
 * deleted once read. (Messages only received would come back after the visibility timeout, 30 s,
 * and be counted again by a later test: on a slow machine a later call saw ["passed", "failed"].)
 */
async function published(): Promise<{ subject?: string; status?: string; message: DrillSummary }[]> {
  const sqs = client(SQSClient, REGION);
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    if (Messages.length === 0) break;
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
    bodies.push(...Messages.map((message) => message.Body ?? '{}'));
  }
  return bodies.map((text) => {
    const body = JSON.parse(text) as {
      Subject?: string;
      Message: string;
      MessageAttributes?: { status?: { Value?: string } };
    };
    return {
      subject: body.Subject,
      status: body.MessageAttributes?.status?.Value,
      message: JSON.parse(body.Message) as DrillSummary,
    };
  });
}

const reportOf = async (summary: DrillSummary) => (await store.getJson(summary.report)) as DrillReport;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-drill-'));
  store = openStore(`file://${directory}/store`);
  seeded = await seedRegion(REGION, { items: 6, objects: 3, records: 8 });
  const { summary } = await runStateMachineLocally('backup.asl.yaml', {
    store: store.url,
    regions: [REGION],
  });
  expect(summary.failed).toEqual([]);
  runId = summary.runId;
  // Where drills publish: a topic with a queue subscribed, read by the tests.
  const topic = await client(SNSClient, REGION).send(new CreateTopicCommand({ Name: 'drill-results' }));
  const queue = await client(SQSClient, REGION).send(new CreateQueueCommand({ QueueName: 'drill-results' }));
  queueUrl = queue.QueueUrl as string;
  const { Attributes } = await client(SQSClient, REGION).send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await client(SNSClient, REGION).send(
    new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn }),
  );
  process.env.TRIGGERVAULT_TOPIC_ARN = topic.TopicArn;
  before = await inventory();
}, 240_000);

afterAll(async () => {
  delete process.env.TRIGGERVAULT_TOPIC_ARN;
  await rm(directory, { recursive: true, force: true });
});

describe('restore drill', () => {
  it('`triggervault drill` restores the latest run as a scratch copy, finds it equal, publishes, and leaves nothing behind', async () => {
    // Act
    const result = runCli(['drill', '--bucket', store.url, '--json']);
    // Assess
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as DrillReport;
    expect(report.errors).toEqual([]);
    expect(report.items.filter((item) => !item.equal)).toEqual([]);
    expect(report).toMatchObject({
      run: runId,
      status: 'passed',
      regions: [{ source: REGION, target: REGION }],
    });
    expect(result.status).toBe(0);
    // Functions with their code, versions and triggers, the table, bucket and stream with their data,
    // and what the functions are wired to or use: the queue, topic, both APIs and the role.
    expect(report.items.map((item) => item.kind).sort()).toEqual([
      'apigateway-http-api',
      'apigateway-rest-api',
      'dynamodb-table',
      'iam-role',
      'kinesis-stream',
      ...seeded.functions.map(() => 'lambda-function'),
      's3-bucket',
      'sns-topic',
      'sqs-queue',
    ]);
    expect(report.items.find((item) => item.kind === 'dynamodb-table')?.details).toMatchObject({ items: 6 });
    expect(report.items.every((item) => item.copy.endsWith(report.suffix))).toBe(true);
    const deleted = report.cleanup?.resources.filter((resource) => resource.action === 'deleted') ?? [];
    expect(deleted.map((resource) => resource.resource)).toEqual(
      expect.arrayContaining([
        `function orders-api${report.suffix}`,
        `table ${seeded.table}${report.suffix}`,
        `queue order-jobs${report.suffix}`,
        `topic order-events${report.suffix}`,
        `role triggervault-demo-app${report.suffix}`,
      ]),
    );
    expect(deleted.filter((resource) => /^(rest|http) api /.test(resource.resource))).toHaveLength(2);
    expect(report.cleanup?.resources.filter((resource) => resource.action === 'failed')).toEqual([]);
    expect(await inventory()).toEqual(before);
    const messages = await published();
    expect(messages.map((message) => [message.status, message.message.drillId])).toEqual([
      ['passed', report.drillId],
    ]);
  });

  it('a copy that differs fails the drill, which still removes everything it created and publishes the failure', async () => {
    // Prepare: after the restore, change the scratch copies behind the comparison's back.
    const tamper = async (event: unknown, context: unknown) => {
      const ref = event as { restoreId: string; run: string };
      const plan = RestorePlan.parse(await store.getJson(restorePlanKey(ref.run, ref.restoreId)));
      const suffix = plan.options.nameSuffix as string;
      await client(LambdaClient, REGION).send(
        new UpdateFunctionConfigurationCommand({ FunctionName: `orders-api${suffix}`, MemorySize: 1024 }),
      );
      await client(DynamoDBClient, REGION).send(
        new TagResourceCommand({
          ResourceArn: `arn:aws:dynamodb:${REGION}:${seeded.account}:table/${seeded.table}${suffix}`,
          Tags: [{ Key: 'tampered', Value: 'yes' }],
        }),
      );
      return (LOCAL_HANDLERS.drillCompare as (event: unknown, context: unknown) => Promise<unknown>)(
        event,
        context,
      );
    };
    // Act
    const { summary } = await runStateMachineLocally(
      'restore.asl.yaml',
      { drill: true, store: store.url },
      { handlers: { drillCompare: tamper } },
    );
    // Assess
    const result = summary as unknown as DrillSummary;
    expect(result).toMatchObject({ status: 'failed', mismatches: 2, leftovers: 0, errors: [] });
    const report = await reportOf(result);
    const differing = report.items
      .filter((item) => !item.equal)
      .map((item) => [item.kind, item.differences.map((difference) => difference.field)]);
    expect(differing).toEqual([
      ['dynamodb-table', [`table ${seeded.table}${report.suffix}: Tags.tampered`]],
      ['lambda-function', ['configuration.MemorySize']],
    ]);
    expect(await inventory()).toEqual(before);
    expect((await published()).map((message) => [message.status, message.subject])).toEqual([
      ['failed', `triggervault drill of run ${runId}: failed`],
    ]);
  });

  it('a comparison that throws fails the drill, which still removes everything it created', async () => {
    // Act
    const { summary } = await runStateMachineLocally(
      'restore.asl.yaml',
      { drill: true, store: store.url, run: runId },
      {
        handlers: {
          drillCompare: async () => {
            throw new Error('injected: the comparison broke');
          },
        },
      },
    );
    // Assess
    const result = summary as unknown as DrillSummary;
    expect(result).toMatchObject({ status: 'failed', compared: 0, leftovers: 0 });
    expect(result.errors).toEqual([
      expect.stringMatching(/^comparison: Error: .*injected: the comparison broke/),
    ]);
    const report = await reportOf(result);
    expect(
      report.cleanup?.resources.filter((resource) => resource.action === 'deleted').length,
    ).toBeGreaterThan(10);
    expect(await inventory()).toEqual(before);
    expect((await published()).map((message) => message.status)).toEqual(['failed']);
  });

  it('exits 2 naming the problem for a store without a complete run', async () => {
    // Prepare: a store that exists (a missing one is refused as such) and holds no run.
    await mkdir(join(directory, 'empty'), { recursive: true });
    // Act
    const result = runCli(['drill', '--bucket', `file://${directory}/empty`]);
    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('holds no complete run');
  });
});
