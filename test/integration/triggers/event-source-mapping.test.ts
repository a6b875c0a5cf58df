import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { eventSourceMappingTrigger } from '../../../src/triggers/event-source-mapping.js';
import { loadFunctionRef } from '../../../src/triggers/function-ref.js';
import { clearListingMemos } from '../../../src/triggers/shared.js';
import { createTestFunction, unique } from '../../helpers/aws.js';
import { publishLiveAlias } from '../../helpers/triggers.js';

const REGION = 'ap-southeast-4';
const lambda = () => client(LambdaClient, REGION);

async function createQueue(): Promise<string> {
  const sqs = client(SQSClient, REGION);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique('tv-esm-q') }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return Attributes?.QueueArn as string;
}

describe('event-source-mapping trigger', () => {
  beforeEach(() => clearListingMemos());

  it('captures an SQS mapping with its batching, filter, scaling and disabled state', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    const other = await createTestFunction(REGION);
    const queueArn = await createQueue();
    const mapping = await lambda().send(
      new CreateEventSourceMappingCommand({
        FunctionName: fn.name,
        EventSourceArn: queueArn,
        BatchSize: 5,
        MaximumBatchingWindowInSeconds: 3,
        FilterCriteria: { Filters: [{ Pattern: '{"body":{"kind":["order"]}}' }] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 4 },
        Enabled: false,
      }),
    );
    await lambda().send(
      new CreateEventSourceMappingCommand({ FunctionName: other.name, EventSourceArn: await createQueue() }),
    );
    // Act
    const records = await eventSourceMappingTrigger.list(await loadFunctionRef(REGION, fn.name));
    // Assess
    expect(records).toEqual([
      {
        type: 'event-source-mapping',
        id: mapping.UUID,
        source: queueArn,
        target: fn.arn,
        config: {
          EventSourceArn: queueArn,
          FunctionArn: fn.arn,
          Enabled: false,
          BatchSize: 5,
          MaximumBatchingWindowInSeconds: 3,
          FilterCriteria: { Filters: [{ Pattern: '{"body":{"kind":["order"]}}' }] },
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: 4 },
        },
        permissions: [],
      },
    ]);
  });

  it('captures a Kinesis mapping on a published version with its error handling and shards', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    const { versionArn } = await publishLiveAlias(REGION, fn.name);
    const kinesis = client(KinesisClient, REGION);
    const streamName = unique('tv-esm-stream');
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 2 }));
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    const streamArn = summary.StreamDescriptionSummary?.StreamARN as string;
    const dlq = await createQueue();
    const mapping = await lambda().send(
      new CreateEventSourceMappingCommand({
        FunctionName: versionArn,
        EventSourceArn: streamArn,
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 50,
        BisectBatchOnFunctionError: true,
        ParallelizationFactor: 2,
        TumblingWindowInSeconds: 30,
        MaximumRecordAgeInSeconds: 600,
        MaximumRetryAttempts: 3,
        DestinationConfig: { OnFailure: { Destination: dlq } },
      }),
    );
    // Act
    const records = await eventSourceMappingTrigger.list(await loadFunctionRef(REGION, fn.name));
    // Assess
    expect(records).toEqual([
      {
        type: 'event-source-mapping',
        id: mapping.UUID,
        source: streamArn,
        target: versionArn,
        config: {
          EventSourceArn: streamArn,
          FunctionArn: versionArn,
          Enabled: true,
          BatchSize: 50,
          StartingPosition: 'TRIM_HORIZON',
          DestinationConfig: { OnFailure: { Destination: dlq } },
          BisectBatchOnFunctionError: true,
          ParallelizationFactor: 2,
          TumblingWindowInSeconds: 30,
          MaximumRecordAgeInSeconds: 600,
          MaximumRetryAttempts: 3,
          StreamPosition: { State: 'Enabled', ShardIds: ['shardId-000000000000', 'shardId-000000000001'] },
        },
        permissions: [],
      },
    ]);
  });

  it('captures a DynamoDB stream mapping', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    const table = await client(DynamoDBClient, REGION).send(
      new CreateTableCommand({
        TableName: unique('tv-esm-table'),
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    const streamArn = table.TableDescription?.LatestStreamArn as string;
    const mapping = await lambda().send(
      new CreateEventSourceMappingCommand({
        FunctionName: fn.name,
        EventSourceArn: streamArn,
        StartingPosition: 'LATEST',
        BatchSize: 20,
      }),
    );
    // Act
    const records = await eventSourceMappingTrigger.list(await loadFunctionRef(REGION, fn.name));
    // Assess
    expect(records).toEqual([
      {
        type: 'event-source-mapping',
        id: mapping.UUID,
        source: streamArn,
        target: fn.arn,
        config: {
          EventSourceArn: streamArn,
          FunctionArn: fn.arn,
          Enabled: true,
          BatchSize: 20,
          StartingPosition: 'LATEST',
          StreamPosition: { State: 'Enabled' },
        },
        permissions: [],
      },
    ]);
  });
});
