import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  KinesisClient,
  PutRecordCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { KindName } from '../../schemas/common.js';
import type { WorkItem } from '../../schemas/work-item.js';
import { client } from '../../src/aws/clients.js';
import { kindModule } from '../../src/kinds/index.js';
import { unique } from '../helpers/aws.js';
import { runIdAt, suiteFileStore } from '../helpers/kinds.js';

// A policy with critical [config] ("config-only for large buckets"): each data kind writes its
// configuration and stops, without reading a single item, object or record. A China region (moto
// serves every partition): named resources, read within their partition, and a file store.
const REGION = 'cn-north-1';
const files = suiteFileStore();
const names = {
  bucket: unique('tv-config-only'),
  table: unique('config-only'),
  stream: unique('config-only'),
};

beforeAll(async () => {
  const s3 = client(S3Client, REGION);
  await s3.send(
    new CreateBucketCommand({
      Bucket: names.bucket,
      CreateBucketConfiguration: { LocationConstraint: REGION },
    }),
  );
  await s3.send(new PutObjectCommand({ Bucket: names.bucket, Key: 'big.bin', Body: 'x'.repeat(1024) }));
  const dynamo = client(DynamoDBClient, REGION);
  await dynamo.send(
    new CreateTableCommand({
      TableName: names.table,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    }),
  );
  await dynamo.send(new PutItemCommand({ TableName: names.table, Item: { id: { S: 'one' } } }));
  const kinesis = client(KinesisClient, REGION);
  await kinesis.send(new CreateStreamCommand({ StreamName: names.stream, ShardCount: 1 }));
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30 }, { StreamName: names.stream });
  await kinesis.send(
    new PutRecordCommand({ StreamName: names.stream, PartitionKey: 'k', Data: Buffer.from('r') }),
  );
});

describe('data kinds under a config-only policy', () => {
  it.each([
    ['s3-bucket', 'bucket', 'config'],
    ['dynamodb-table', 'table', 'schema'],
    ['kinesis-stream', 'stream', 'config'],
  ] as const)('%s: one step, its %s only, data marked not captured', async (kind, resource, role) => {
    // Prepare
    const runId = runIdAt();
    const item = {
      runId,
      store: files.store.url,
      region: REGION,
      kind: kind as KindName,
      name: names[resource],
      attributes: ['config'],
    } as WorkItem;
    // Act
    const step = await kindModule(kind).backup(item, {
      store: files.store,
      runId,
      deadline: Date.now() + 60_000,
    });
    // Assess
    expect(step.done).toBe(true);
    expect(step.artifacts.map((artifact) => artifact.role)).toEqual([role]);
    expect(step.summary).toEqual({ notCaptured: ['data'] });
  });
});
