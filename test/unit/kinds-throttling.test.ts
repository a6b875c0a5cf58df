import {
  type AttributeValue,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  ProvisionedThroughputExceededException,
  ScanCommand,
  type ScanCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ProvisionedThroughputExceededException as KinesisThroughputExceeded,
  ListShardsCommand,
  ListStreamConsumersCommand,
  ListTagsForStreamCommand,
} from '@aws-sdk/client-kinesis';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { dynamodbTable } from '../../src/kinds/dynamodb-table/index.js';
import { fromJsonItem, type JsonItem } from '../../src/kinds/dynamodb-table/json.js';
import type { RecordLine } from '../../src/kinds/kinesis-stream/format.js';
import { kinesisStream } from '../../src/kinds/kinesis-stream/index.js';
import { backupToEnd, readParts, runIdAt, suiteFileStore } from '../helpers/kinds.js';

// Throttling cannot be provoked in moto (it never answers ProvisionedThroughputExceededException),
// so the read cap and the backoff are tested against aws-sdk-client-mock.

const REGION = 'us-west-2';
const files = suiteFileStore();

describe('dynamodb-table read cap and throttling', () => {
  const dynamo = mockClient(DynamoDBClient);
  const items: Record<string, AttributeValue>[] = Array.from({ length: 300 }, (_, index) => ({
    id: { S: String(index).padStart(4, '0') },
    payload: { S: 'x'.repeat(80) },
  }));
  let scans: ScanCommandInput[];

  beforeEach(() => {
    dynamo.reset();
    scans = [];
    dynamo.on(DescribeTableCommand).resolves({
      Table: {
        TableName: 'capped',
        TableArn: `arn:aws:dynamodb:${REGION}:123456789012:table/capped`,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        ProvisionedThroughput: { ReadCapacityUnits: 10, WriteCapacityUnits: 5 },
        TableSizeBytes: 300 * 100,
        ItemCount: 300,
      },
    });
    dynamo
      .on(DescribeTimeToLiveCommand)
      .resolves({ TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' } });
    dynamo.on(DescribeContinuousBackupsCommand).resolves({
      ContinuousBackupsDescription: {
        ContinuousBackupsStatus: 'ENABLED',
        PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' },
      },
    });
    dynamo.on(ListTagsOfResourceCommand).resolves({ Tags: [] });
    // A table that pages by Limit and throttles the first request.
    dynamo.on(ScanCommand).callsFake((input: ScanCommandInput) => {
      scans.push(input);
      if (scans.length === 1) {
        throw new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
      }
      const start = input.ExclusiveStartKey
        ? items.findIndex((item) => item.id?.S === input.ExclusiveStartKey?.id?.S) + 1
        : 0;
      const page = items.slice(start, start + (input.Limit ?? items.length));
      const last = start + page.length < items.length ? page.at(-1) : undefined;
      return {
        Items: page,
        Count: page.length,
        ConsumedCapacity: { CapacityUnits: (page.length * 100) / 8192 },
        LastEvaluatedKey: last ? { id: last.id as AttributeValue } : undefined,
      };
    });
  });

  it('sizes pages to half the provisioned read capacity, halves the rate when throttled, and loses nothing', async () => {
    // Act
    const run = await backupToEnd(dynamodbTable, {
      store: files.store,
      runId: runIdAt(),
      region: REGION,
      name: 'capped',
    });
    // Assess
    const limits = scans.map((scan) => scan.Limit as number);
    // 10 RCU x 0.5 = 5 units/s; eventually consistent units cover 8 KB: 5 x 8192 / 100 bytes per item.
    expect(limits[0]).toBe(409);
    expect(limits[1]).toBe(204);
    const stored = ((await readParts(files.store, run.artifacts, 'data')) as { Item: JsonItem }[]).map(
      (line) => fromJsonItem(line.Item),
    );
    expect(stored).toEqual(items);
  });

  it('reads TRIGGERVAULT_READ_FRACTION for the cap', async () => {
    // Prepare
    process.env.TRIGGERVAULT_READ_FRACTION = '0.2';
    try {
      // Act
      await backupToEnd(dynamodbTable, {
        store: files.store,
        runId: runIdAt(),
        region: REGION,
        name: 'capped',
      });
    } finally {
      delete process.env.TRIGGERVAULT_READ_FRACTION;
    }
    // Assess
    expect(scans[0]?.Limit).toBe(Math.floor((2 * 8192) / 100));
  });
});

describe('kinesis-stream throttling', () => {
  const kinesis = mockClient(KinesisClient);

  it('backs off when GetRecords is throttled and stores every record once', async () => {
    // Prepare
    kinesis.reset();
    kinesis.on(DescribeStreamSummaryCommand).resolves({
      StreamDescriptionSummary: {
        StreamName: 'busy',
        StreamARN: `arn:aws:kinesis:${REGION}:123456789012:stream/busy`,
        StreamStatus: 'ACTIVE',
        RetentionPeriodHours: 24,
        StreamCreationTimestamp: new Date(),
        EnhancedMonitoring: [],
        OpenShardCount: 1,
      },
    });
    kinesis.on(ListShardsCommand).resolves({
      Shards: [
        {
          ShardId: 'shardId-000000000000',
          HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' },
          SequenceNumberRange: { StartingSequenceNumber: '1' },
        },
      ],
    });
    kinesis.on(ListTagsForStreamCommand).resolves({ Tags: [], HasMoreTags: false });
    kinesis.on(ListStreamConsumersCommand).resolves({ Consumers: [] });
    kinesis.on(GetShardIteratorCommand).resolves({ ShardIterator: 'iterator-0' });
    const record = (n: number) => ({
      SequenceNumber: String(n),
      PartitionKey: `k${n}`,
      Data: new Uint8Array([n]),
      ApproximateArrivalTimestamp: new Date(Date.now() - 60_000),
    });
    kinesis
      .on(GetRecordsCommand)
      .rejectsOnce(new KinesisThroughputExceeded({ message: 'slow down', $metadata: {} }))
      .resolvesOnce({
        Records: [record(1), record(2)],
        NextShardIterator: 'iterator-1',
        MillisBehindLatest: 1000,
      })
      .resolvesOnce({ Records: [record(3)], NextShardIterator: 'iterator-2', MillisBehindLatest: 0 })
      .resolves({ Records: [], NextShardIterator: 'iterator-3', MillisBehindLatest: 0 });
    // Act
    const run = await backupToEnd(kinesisStream, {
      store: files.store,
      runId: runIdAt(),
      region: REGION,
      name: 'busy',
    });
    // Assess
    const lines = (await readParts(files.store, run.artifacts, 'records')) as RecordLine[];
    expect(lines.map((line) => line.sequenceNumber)).toEqual(['1', '2', '3']);
    expect(kinesis.commandCalls(GetRecordsCommand)).toHaveLength(4);
    expect(run.summary).toMatchObject({ records: 3, shardsDone: 1 });
  });
});
