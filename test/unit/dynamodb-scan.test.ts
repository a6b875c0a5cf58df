import {
  type AttributeValue,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  ScanCommand,
  type ScanCommandInput,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { planScan, probeTable, type ScanWorker, scanSegment } from '../../src/kinds/dynamodb-table/scan.js';
import { RateLimiter, StepBudget } from '../../src/kinds/shared/pacing.js';

// Read-ahead and the sampled scan plan, against aws-sdk-client-mock: the order of requests and
// what a sample page suggests are not observable through an emulator.

const dynamo = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'us-west-2' });
const item = (n: number): Record<string, AttributeValue> => ({ id: { S: String(n).padStart(5, '0') } });
const onDemand = (count: number, bytes: number): TableDescription => ({
  TableName: 'sampled',
  ItemCount: count,
  TableSizeBytes: bytes,
  BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
});

/** A table of `total` items served `pageSize` at a time; records every Scan input. */
function serve(total: number, pageSize: number): ScanCommandInput[] {
  const scans: ScanCommandInput[] = [];
  dynamo.on(ScanCommand).callsFake((input: ScanCommandInput) => {
    scans.push(input);
    const start = input.ExclusiveStartKey ? Number(input.ExclusiveStartKey.id?.S) + 1 : 0;
    const size = Math.min(pageSize, input.Limit ?? pageSize);
    const page = Array.from({ length: Math.max(0, Math.min(size, total - start)) }, (_, index) =>
      item(start + index),
    );
    const last = start + page.length < total ? page.at(-1) : undefined;
    return { Items: page, Count: page.length, LastEvaluatedKey: last };
  });
  return scans;
}

const worker = (maxItems?: number): ScanWorker => ({
  dynamo: client,
  table: 'sampled',
  cursor: planScan(onDemand(6, 600)),
  budget: new StepBudget(Date.now() + 60_000, maxItems),
  limiter: new RateLimiter(Number.POSITIVE_INFINITY),
});

beforeEach(() => {
  dynamo.reset();
});

describe('dynamodb-table scan read-ahead', () => {
  it('asks for the next page as soon as a page arrives, before its items are handed on', async () => {
    // Prepare
    const scans = serve(6, 3);
    const state: { done: boolean; key?: Record<string, unknown> } = { done: false };
    const segment = scanSegment(worker(), state as never, 0);
    // Act
    const first = await segment.next();
    const requestedWhileFirstPageHeld = scans.length;
    const rest: unknown[] = [];
    for await (const line of segment) rest.push(line);
    // Assess
    expect(first.value).toEqual({ Item: { id: { S: '00000' } } });
    expect(requestedWhileFirstPageHeld).toBe(2);
    expect(rest).toHaveLength(5);
    expect(scans.map((scan) => scan.ExclusiveStartKey?.id?.S)).toEqual([undefined, '00002']);
    expect(state).toEqual({ done: true, key: undefined });
  });

  it('reads nothing ahead beyond what the part may still hold, and resumes after the last page handed on', async () => {
    // Prepare
    const scans = serve(6, 3);
    const state: { done: boolean; key?: Record<string, unknown> } = { done: false };
    // Act
    const lines: unknown[] = [];
    for await (const line of scanSegment(worker(3), state as never, 0)) lines.push(line);
    // Assess
    expect(lines).toHaveLength(3);
    expect(scans).toHaveLength(1);
    expect(state).toEqual({ done: false, key: { id: { S: '00002' } } });
  });
});

describe('dynamodb-table scan plan with a sample', () => {
  it('samples an on-demand table that DescribeTable calls empty, and plans by the larger size', async () => {
    // Prepare: DescribeTable's figures lag (refreshed about every six hours); segment 0 of 16 holds 2,000 items.
    const scans = serve(2000, 5000);
    const table = onDemand(0, 0);
    // Act
    const sample = await probeTable(client, table);
    // Assess
    expect(scans).toEqual([{ TableName: 'sampled', Segment: 0, TotalSegments: 16 }]);
    expect(sample).toEqual({ items: 32_000, bytes: 2000 * 16 * JSON.stringify(item(0)).length });
    expect(planScan(table).segments).toHaveLength(1);
    expect(planScan(table, 0, sample).segments).toHaveLength(3);
    expect(planScan(onDemand(0, 0), 0, { items: 0, bytes: 200 * 1024 ** 2 }).segments).toHaveLength(4);
  });

  it('takes no sample when DescribeTable already asks for several segments, on a provisioned table, or when throttled', async () => {
    // Prepare
    const scans = serve(10, 10);
    const provisioned = {
      ...onDemand(0, 0),
      BillingModeSummary: undefined,
      ProvisionedThroughput: { ReadCapacityUnits: 5 },
    };
    // Act
    const large = await probeTable(client, onDemand(50_000, 20_000_000));
    const capped = await probeTable(client, provisioned);
    dynamo
      .on(ScanCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    const throttled = await probeTable(client, onDemand(0, 0));
    // Assess
    expect([large, capped, throttled]).toEqual([undefined, undefined, undefined]);
    expect(scans).toHaveLength(0);
    expect(dynamo.commandCalls(ScanCommand)).toHaveLength(1);
  });
});
