import { randomBytes } from 'node:crypto';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  UpdateContinuousBackupsCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateStreamCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  LambdaClient,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  DeleteObjectsCommand,
  type LambdaFunctionConfiguration,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { client } from '../../src/aws/clients.js';
import { mapLimit } from '../../src/concurrency.js';
import { zipFiles } from '../../src/local/zip.js';

/**
 * Bench data, created with the SDK against whatever AWS_ENDPOINT_URL names (the emulator, directly:
 * seeding is not measured). Names are deterministic so the building blocks can find their data.
 */

const SEED_CONCURRENCY = 8;

async function benchRole(): Promise<string> {
  const iam = client(IAMClient, 'us-east-1');
  const RoleName = 'triggervault-bench';
  try {
    return (await iam.send(new GetRoleCommand({ RoleName }))).Role?.Arn as string;
  } catch {
    const trust = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    };
    return (
      await iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: JSON.stringify(trust) }))
    ).Role?.Arn as string;
  }
}

const createBucket = (s3: S3Client, region: string, bucket: string) =>
  s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      CreateBucketConfiguration:
        region === 'us-east-1' ? undefined : { LocationConstraint: region as BucketLocationConstraint },
    }),
  );

export interface SeededFunctions {
  region: string;
  names: string[];
  /** How many functions got each trigger type. */
  triggers: Record<string, number>;
}

/**
 * `count` functions in `region`, as the demo's sample app builds them but many: a shared layer, code
 * of its own, two published versions, an alias `live`, and one trigger each, in turn an SQS mapping,
 * an S3 notification, an SNS subscription or an EventBridge rule (with the invoke permission the
 * last three need). Sources are shared by groups of ten functions, as in a real application.
 */
export async function seedFunctions(
  region: string,
  count: number,
  prefix = 'bench-fn',
): Promise<SeededFunctions> {
  const role = await benchRole();
  const lambda = client(LambdaClient, region);
  const s3 = client(S3Client, region);
  const sns = client(SNSClient, region);
  const sqs = client(SQSClient, region);
  const events = client(EventBridgeClient, region);
  const layer = await lambda.send(
    new PublishLayerVersionCommand({
      LayerName: `${prefix}-shared`,
      Content: { ZipFile: zipFiles({ 'nodejs/node_modules/shared/index.js': 'module.exports = 1;\n' }) },
      CompatibleRuntimes: ['nodejs22.x'],
    }),
  );
  const names = Array.from({ length: count }, (_, index) => `${prefix}-${String(index).padStart(4, '0')}`);
  const groups = Math.ceil(count / 10);
  const group = (index: number) => Math.floor(index / 10);
  const bucketName = (g: number) => `${prefix}-notify-${region}-${g}`.toLowerCase();
  const queues = new Map<number, string>();
  const topics = new Map<number, string>();
  await mapLimit(
    Array.from({ length: groups }, (_, g) => g),
    SEED_CONCURRENCY,
    async (g) => {
      await createBucket(s3, region, bucketName(g));
      topics.set(
        g,
        (await sns.send(new CreateTopicCommand({ Name: `${prefix}-topic-${g}` }))).TopicArn as string,
      );
      const queue = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-queue-${g}` }));
      const attributes = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      queues.set(g, attributes.Attributes?.QueueArn as string);
    },
  );
  const source = (name: string, version: number) =>
    `// ${name} v${version}\nexports.handler = async (event) => ({ fn: '${name}', v: ${version}, n: (event.Records || []).length });\n`;
  const arns: string[] = new Array(count);
  await mapLimit(names, SEED_CONCURRENCY, async (name, index) => {
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: role,
        Code: { ZipFile: zipFiles({ 'index.js': source(name, 1) }) },
        Layers: [layer.LayerVersionArn as string],
        Environment: { Variables: { FUNCTION: name } },
        Tags: { app: 'bench' },
      }),
    );
    arns[index] = created.FunctionArn as string;
    await lambda.send(new PublishVersionCommand({ FunctionName: name }));
    await lambda.send(
      new UpdateFunctionCodeCommand({
        FunctionName: name,
        ZipFile: zipFiles({ 'index.js': source(name, 2) }),
      }),
    );
    await lambda.send(new PublishVersionCommand({ FunctionName: name }));
    await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '2' }));
    const allow = (sid: string, principal: string, sourceArn: string) =>
      lambda.send(
        new AddPermissionCommand({
          FunctionName: name,
          StatementId: sid,
          Action: 'lambda:InvokeFunction',
          Principal: principal,
          SourceArn: sourceArn,
        }),
      );
    const g = group(index);
    switch (index % 4) {
      case 0:
        await lambda.send(
          new CreateEventSourceMappingCommand({
            FunctionName: name,
            EventSourceArn: queues.get(g),
            BatchSize: 10,
          }),
        );
        break;
      case 1:
        await allow('s3-notify', 's3.amazonaws.com', `arn:aws:s3:::${bucketName(g)}`);
        break;
      case 2: {
        const topic = topics.get(g) as string;
        await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'lambda', Endpoint: arns[index] }));
        await allow('sns-topic', 'sns.amazonaws.com', topic);
        break;
      }
      default: {
        const rule = await events.send(
          new PutRuleCommand({ Name: `${name}-schedule`, ScheduleExpression: 'rate(1 hour)' }),
        );
        await events.send(
          new PutTargetsCommand({ Rule: `${name}-schedule`, Targets: [{ Id: 'fn', Arn: arns[index] }] }),
        );
        await allow('events-rule', 'events.amazonaws.com', rule.RuleArn as string);
      }
    }
  });
  // One notification configuration per bucket, naming every function of its group that has one.
  await mapLimit(
    Array.from({ length: groups }, (_, g) => g),
    SEED_CONCURRENCY,
    async (g) => {
      const configurations: LambdaFunctionConfiguration[] = names
        .map((name, index) => ({ name, index }))
        .filter(({ index }) => group(index) === g && index % 4 === 1)
        .map(({ name, index }) => ({
          Id: `${name}-uploads`,
          LambdaFunctionArn: arns[index],
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: `${name}/` }] } },
        }));
      if (configurations.length === 0) return;
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: bucketName(g),
          NotificationConfiguration: { LambdaFunctionConfigurations: configurations },
        }),
      );
    },
  );
  const kinds = ['sqs-mapping', 's3-notification', 'sns-subscription', 'eventbridge-rule'];
  const triggers: Record<string, number> = {};
  names.forEach((_, index) => {
    const kind = kinds[index % 4] as string;
    triggers[kind] = (triggers[kind] ?? 0) + 1;
  });
  return { region, names, triggers };
}

export interface BucketShape {
  small: number;
  smallBytes: number;
  large: number;
  largeBytes: number;
}

/** A bucket of `small` objects of `smallBytes` and `large` objects of `largeBytes`, random content; returns the keys. */
export async function seedBucket(region: string, bucket: string, shape: BucketShape): Promise<string[]> {
  const s3 = client(S3Client, region);
  await createBucket(s3, region, bucket);
  const keys = [
    ...Array.from({ length: shape.small }, (_, index) => ({
      key: `small/${String(index).padStart(6, '0')}.bin`,
      bytes: shape.smallBytes,
    })),
    ...Array.from({ length: shape.large }, (_, index) => ({
      key: `large/${String(index).padStart(3, '0')}.bin`,
      bytes: shape.largeBytes,
    })),
  ];
  await mapLimit(keys, 16, async ({ key, bytes }) => {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: randomBytes(bytes),
        ContentType: 'application/octet-stream',
        Metadata: { seeded: 'bench' },
      }),
    );
  });
  return keys.map(({ key }) => key);
}

/** Creates a bucket (any region) if needed; used for stores and peers' destinations. */
export async function ensureBucket(region: string, bucket: string): Promise<void> {
  try {
    await createBucket(client(S3Client, region), region, bucket);
  } catch (error) {
    const name = (error as Error).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
}

/** Deletes every object under `prefix` (1,000 per request), so copies do not pile up in the emulator. */
export async function emptyBucket(region: string, bucket: string, prefix?: string): Promise<number> {
  const s3 = client(S3Client, region);
  let deleted = 0;
  for (;;) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const keys = (page.Contents ?? []).map((object) => ({ Key: object.Key as string }));
    if (keys.length === 0) return deleted;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    deleted += keys.length;
  }
}

/** A table of `items` items of about `itemBytes` each, loaded with BatchWriteItem in parallel. */
export async function seedTable(
  region: string,
  table: string,
  items: number,
  options: { itemBytes?: number; pitr?: boolean } = {},
): Promise<void> {
  const dynamo = client(DynamoDBClient, region);
  await dynamo.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  if (options.pitr)
    await dynamo.send(
      new UpdateContinuousBackupsCommand({
        TableName: table,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
  const payloadBytes = Math.max(1, (options.itemBytes ?? 1024) - 60);
  const batches = Array.from({ length: Math.ceil(items / 25) }, (_, batch) => batch);
  await mapLimit(batches, 8, async (batch) => {
    let requests: WriteRequest[] = Array.from({ length: Math.min(25, items - batch * 25) }, (_, offset) => {
      const index = batch * 25 + offset;
      return {
        PutRequest: {
          Item: {
            pk: { S: `item#${String(index).padStart(7, '0')}` },
            n: { N: String(index) },
            payload: {
              S: randomBytes(Math.ceil(payloadBytes / 2))
                .toString('hex')
                .slice(0, payloadBytes),
            },
          },
        },
      };
    });
    while (requests.length > 0) {
      const response = await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
      requests = response.UnprocessedItems?.[table] ?? [];
    }
  });
}

/** A stream of `shards` shards holding `perShard` records of `recordBytes` each, placed shard by shard. */
export async function seedStream(
  region: string,
  stream: string,
  shards: number,
  perShard: number,
  recordBytes = 200,
): Promise<void> {
  const kinesis = client(KinesisClient, region);
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: shards }));
  const listed = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const jobs = listed.flatMap((shard) =>
    Array.from({ length: Math.ceil(perShard / 500) }, (_, batch) => ({
      hashKey: shard.HashKeyRange?.StartingHashKey as string,
      count: Math.min(500, perShard - batch * 500),
    })),
  );
  // One PutRecords at a time: moto numbers a shard's records "highest + 1" without a lock, so
  // overlapping batches overwrite each other (seen with 4 in flight: 4,992 of 5,000 records kept).
  for (const { hashKey, count } of jobs) {
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: Array.from({ length: count }, (_, index) => ({
          PartitionKey: `key-${index}`,
          ExplicitHashKey: hashKey,
          Data: randomBytes(recordBytes),
        })),
      }),
    );
  }
}
