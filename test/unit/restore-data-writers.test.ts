import {
  BatchWriteItemCommand,
  type BatchWriteItemCommandInput,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import {
  KinesisClient,
  ProvisionedThroughputExceededException as KinesisThroughputExceeded,
  PutRecordsCommand,
  type PutRecordsCommandInput,
} from '@aws-sdk/client-kinesis';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { writeBatch, writeItems } from '../../src/kinds/dynamodb-table/loader.js';
import type { RecordLine } from '../../src/kinds/kinesis-stream/format.js';
import { replayRecords } from '../../src/kinds/kinesis-stream/restore-replay.js';
import { type PartPosition, recordsFrom, START } from '../../src/reconcile/data.js';
import { partFile, writeNdjsonPart } from '../../src/store/ndjson-part.js';
import type { BackupStore } from '../../src/store/store.js';
import { suiteFileStore } from '../helpers/kinds.js';

// moto never leaves items unprocessed, never throttles and never fails part of a PutRecords: the
// retries, the per-key ordering under partial failures and the resumable positions are tested
// against aws-sdk-client-mock.

const files = suiteFileStore();
const item = (index: number) => ({ pk: { S: `item-${String(index).padStart(3, '0')}` } });

async function writeParts(store: BackupStore, name: string, documents: unknown[], perPart: number) {
  const paths: string[] = [];
  for (let start = 0, part = 0; start < documents.length; start += perPart, part += 1) {
    const path = `${name}/${partFile('data', 1, `s${part}`)}`;
    await writeNdjsonPart(
      store,
      path,
      (async function* () {
        yield* documents.slice(start, start + perPart);
      })(),
      { role: 'data', count: 'items' },
    );
    paths.push(path);
  }
  return paths;
}

describe('DynamoDB item writes', () => {
  const dynamo = mockClient(DynamoDBClient);
  let requests: BatchWriteItemCommandInput[];

  beforeEach(() => {
    dynamo.reset();
    requests = [];
  });

  it('retries what BatchWriteItem leaves unprocessed, and throttling, until every item is written', async () => {
    // Prepare: the first answer leaves two items unprocessed, the second is throttled, the third succeeds.
    const items = Array.from({ length: 25 }, (_, index) => item(index));
    const left = items.slice(3, 5).map((Item) => ({ PutRequest: { Item } }));
    dynamo
      .on(BatchWriteItemCommand)
      .callsFakeOnce((input: BatchWriteItemCommandInput) => {
        requests.push(input);
        return { UnprocessedItems: { orders: left } };
      })
      .callsFakeOnce((input: BatchWriteItemCommandInput) => {
        requests.push(input);
        throw new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
      })
      .callsFake((input: BatchWriteItemCommandInput) => {
        requests.push(input);
        return { UnprocessedItems: {} };
      });
    // Act
    await writeBatch(new DynamoDBClient({ region: 'us-west-2' }), 'orders', items);
    // Assess
    expect(requests.map((request) => request.RequestItems?.orders?.length)).toEqual([25, 2, 2]);
    expect(requests[2]?.RequestItems?.orders).toEqual(left);
  });

  it('resumes from the position it returns and makes progress however late each call starts', async () => {
    // Prepare: 60 items in three parts; every call starts after its deadline.
    const paths = await writeParts(
      files.store,
      'resume',
      Array.from({ length: 60 }, (_, index) => ({
        Item: { pk: { S: `item-${String(index).padStart(3, '0')}` } },
      })),
      20,
    );
    dynamo.on(BatchWriteItemCommand).callsFake((input: BatchWriteItemCommandInput) => {
      requests.push(input);
      return { UnprocessedItems: {} };
    });
    const client = new DynamoDBClient({ region: 'us-west-2' });
    const positions: (PartPosition | undefined)[] = [];
    // Act
    let position: PartPosition | undefined = START;
    while (position) {
      position = await writeItems(client, 'orders', files.store, paths, position, 0);
      positions.push(position);
    }
    // Assess: one batch per call, every item once, in order.
    expect(positions).toEqual([{ part: 1, line: 5 }, { part: 2, line: 10 }, undefined]);
    const written = requests.flatMap((request) => request.RequestItems?.orders ?? []);
    expect(written.map((entry) => entry.PutRequest?.Item?.pk?.S)).toEqual(
      Array.from({ length: 60 }, (_, index) => `item-${String(index).padStart(3, '0')}`),
    );
  });
});

describe('Kinesis replay', () => {
  const kinesis = mockClient(KinesisClient);
  const KEYS = 6;
  const records: RecordLine[] = Array.from({ length: 90 }, (_, index) => ({
    sequenceNumber: String(index),
    partitionKey: `key-${index % KEYS}`,
    approximateArrivalTimestamp: new Date(0).toISOString(),
    data: Buffer.from(`record ${index}`).toString('base64'),
  }));
  /** What the stream holds per partition key, in the order it accepted the records. */
  let stream: Record<string, string[]>;
  let batches: PutRecordsCommandInput[];

  beforeEach(() => {
    kinesis.reset();
    stream = {};
    batches = [];
    let call = 0;
    kinesis.on(PutRecordsCommand).callsFake(async (input: PutRecordsCommandInput) => {
      call += 1;
      batches.push(input);
      if (call === 2) throw new KinesisThroughputExceeded({ message: 'slow down', $metadata: {} });
      // Every third record of a request fails (while later ones of the request go through).
      const entries = (input.Records ?? []).map((entry, index) => {
        if ((index + call) % 3 === 0) return { ErrorCode: 'ProvisionedThroughputExceededException' };
        const key = entry.PartitionKey as string;
        stream[key] = [...(stream[key] ?? []), Buffer.from(entry.Data as Uint8Array).toString()];
        return { SequenceNumber: String(call * 1000 + index), ShardId: 'shardId-000000000000' };
      });
      await new Promise((resolve) => setTimeout(resolve, call % 3));
      return { Records: entries, FailedRecordCount: entries.filter((entry) => entry.ErrorCode).length };
    });
  });

  const expected = () => {
    const byKey: Record<string, string[]> = {};
    for (const record of records)
      byKey[record.partitionKey] = [
        ...(byKey[record.partitionKey] ?? []),
        Buffer.from(record.data, 'base64').toString(),
      ];
    return byKey;
  };

  it('keeps every partition key in order with no record twice, however many records fail', async () => {
    // Prepare
    const paths = await writeParts(files.store, 'stream', records, 40);
    process.env.TRIGGERVAULT_KINESIS_PUT_CONCURRENCY = '3';
    try {
      // Act
      const next = await replayRecords(
        new KinesisClient({ region: 'us-west-2' }),
        'clicks',
        recordsFrom<RecordLine>(files.store, paths),
        START,
        Date.now() + 60_000,
      );
      // Assess
      expect(next).toBeUndefined();
    } finally {
      delete process.env.TRIGGERVAULT_KINESIS_PUT_CONCURRENCY;
    }
    expect(stream).toEqual(expected());
    for (const batch of batches) {
      const keys = (batch.Records ?? []).map((entry) => entry.PartitionKey);
      expect(new Set(keys).size).toBe(keys.length);
    }
  }, 30_000);

  it('stops reading at the deadline, finishes what it read, and continues from the position it returns', async () => {
    // Prepare
    const paths = await writeParts(files.store, 'stream-resume', records, 40);
    const client = new KinesisClient({ region: 'us-west-2' });
    const positions: PartPosition[] = [];
    // Act: every call starts after its deadline and still reads one record.
    let position: PartPosition | undefined = START;
    while (position) {
      position = await replayRecords(
        client,
        'clicks',
        recordsFrom(files.store, paths, position),
        position,
        0,
      );
      if (position) positions.push(position);
    }
    // Assess
    expect(positions).toHaveLength(records.length);
    expect(stream).toEqual(expected());
  }, 30_000);
});
