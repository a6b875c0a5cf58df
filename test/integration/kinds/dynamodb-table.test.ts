import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  type ScanCommandInput,
  TagResourceCommand,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { Artifact } from '../../../schemas/work-item.js';
import { client } from '../../../src/aws/clients.js';
import type { TableConfig } from '../../../src/kinds/dynamodb-table/format.js';
import { dynamodbTable } from '../../../src/kinds/dynamodb-table/index.js';
import { fromJsonItem, type JsonItem, toJsonItem } from '../../../src/kinds/dynamodb-table/json.js';
import { planScan } from '../../../src/kinds/dynamodb-table/scan.js';
import type { BackupStore } from '../../../src/store/store.js';
import { unique } from '../../helpers/aws.js';
import { fullScan, keyOf, sampleItems, sortByKey } from '../../helpers/data.js';
import { backupToEnd, measured, readParts, runIdAt, s3Store, suiteFileStore } from '../../helpers/kinds.js';

const REGION = 'eu-central-1';
const dynamo = client(DynamoDBClient, REGION);
type Item = Record<string, AttributeValue>;

async function createTable(name: string, items: Item[]): Promise<void> {
  await dynamo.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'N' },
        { AttributeName: 'gsiKey', AttributeType: 'S' },
      ],
      BillingMode: 'PROVISIONED',
      ProvisionedThroughput: { ReadCapacityUnits: 10_000, WriteCapacityUnits: 10_000 },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'by-gsi',
          KeySchema: [{ AttributeName: 'gsiKey', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
          ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
        },
      ],
      LocalSecondaryIndexes: [
        {
          IndexName: 'by-text',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'gsiKey', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  for (let start = 0; start < items.length; start += 25) {
    await dynamo.send(
      new BatchWriteItemCommand({
        RequestItems: { [name]: items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
}

/** Decodes the stored data parts (scan parts and export files share the `{"Item": …}` line format). */
async function exported(store: BackupStore, artifacts: Artifact[]): Promise<Item[]> {
  const lines = (await readParts(store, artifacts, 'data')) as { Item: JsonItem }[];
  return lines.map((line) => fromJsonItem(line.Item));
}

const ITEMS = 260;
const tableName = unique('tv-all-types');
const files = suiteFileStore();
/** The table as a plain Scan sees it, the reference every export is compared with. */
let scanned: Item[];

beforeAll(async () => {
  await createTable(tableName, sampleItems(ITEMS));
  await dynamo.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' },
    }),
  );
  const arn = `arn:aws:dynamodb:${REGION}:123456789012:table/${tableName}`;
  await dynamo.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'team', Value: 'data' }] }));
  scanned = await fullScan(REGION, tableName);
});

describe('dynamodb-table codec', () => {
  it('round-trips every attribute type exactly', () => {
    // Prepare
    const items = sampleItems(3);
    // Act
    const decoded = items.map((item) => fromJsonItem(JSON.parse(JSON.stringify(toJsonItem(item)))));
    // Assess
    expect(decoded).toEqual(items);
  });
});

describe('dynamodb-table backup', () => {
  it('exports every item of every attribute type by segmented scan to a file store, with the schema', async () => {
    // Prepare
    const expected = scanned;
    const runId = runIdAt();
    // Act
    const run = await backupToEnd(dynamodbTable, {
      store: files.store,
      runId,
      region: REGION,
      name: tableName,
    });
    // Assess
    expect(expected).toHaveLength(ITEMS);
    expect(sortByKey(await exported(files.store, run.artifacts))).toEqual(expected);
    for (const artifact of run.artifacts) expect(Artifact.parse(artifact)).toEqual(artifact);
    for (const check of await measured(files.store, run.artifacts))
      expect(check.stored).toEqual(check.recorded);
    const parts = run.artifacts.filter((artifact) => artifact.role === 'data');
    expect(parts.reduce((sum, part) => sum + (part.counts?.items ?? 0), 0)).toBe(ITEMS);
    expect(run.summary).toMatchObject({ method: 'scan', items: ITEMS });
    const schemas = run.artifacts.filter((artifact) => artifact.role === 'schema');
    expect(schemas).toHaveLength(1);
    const schema = (await files.store.getJson(schemas[0]?.path as string)) as TableConfig;
    expect(schema.create.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(schema.create.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: 'by-gsi',
      Projection: { ProjectionType: 'KEYS_ONLY' },
    });
    expect(schema.create.LocalSecondaryIndexes?.[0]).toMatchObject({ IndexName: 'by-text' });
    expect(schema.create.StreamSpecification).toEqual({
      StreamEnabled: true,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
    expect(schema.billingMode).toBe('PROVISIONED');
    expect(schema.create.ProvisionedThroughput).toEqual({
      ReadCapacityUnits: 10_000,
      WriteCapacityUnits: 10_000,
    });
    expect(schema.timeToLive).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expires' });
    expect(schema.continuousBackups?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe(
      'DISABLED',
    );
    expect(schema.tags).toEqual([{ Key: 'team', Value: 'data' }]);
  });

  it('resumes an interrupted scan from its cursor with no duplicate and no missing item', async () => {
    // Prepare
    process.env.TRIGGERVAULT_SCAN_SEGMENTS = '3';
    const expected = scanned;
    const item = { store: files.store, runId: runIdAt(), region: REGION, name: tableName };
    try {
      // Act: a first step whose deadline has already passed, then small chunks
      const firstStep = await dynamodbTable.backup(
        { ...item, store: files.store.url, kind: 'dynamodb-table' },
        { store: files.store, runId: item.runId, deadline: Date.now() - 1, chunkItems: 7 },
      );
      const rest = await backupToEnd(
        dynamodbTable,
        { ...item, cursor: JSON.parse(JSON.stringify(firstStep.cursor)) },
        { chunkItems: 7 },
      );
      // Assess
      expect(firstStep.done).toBe(false);
      const firstParts = firstStep.artifacts.filter((a) => a.role === 'data');
      expect(firstParts).toHaveLength(3);
      expect(firstParts.every((part) => part.counts?.items === 7)).toBe(true);
      expect(rest.steps.length).toBeGreaterThan(5);
      for (const step of rest.steps) {
        for (const part of step.artifacts) expect(part.counts?.items).toBeLessThanOrEqual(7);
      }
      const stored = await exported(files.store, [...firstStep.artifacts, ...rest.artifacts]);
      const keys = stored.map(keyOf);
      expect(new Set(keys).size).toBe(keys.length);
      expect(sortByKey(stored)).toEqual(expected);
      expect(rest.summary).toMatchObject({ method: 'scan', totalSegments: 3, items: ITEMS });
      expect(rest.artifacts.some((a) => a.role === 'schema')).toBe(false);
    } finally {
      delete process.env.TRIGGERVAULT_SCAN_SEGMENTS;
    }
  });

  it('makes one request per segment and stops when the deadline has passed', async () => {
    // Prepare: pages of 10 items, as DynamoDB's 1 MB page limit cuts a large table, so that no
    // segment can end with its first request and only the deadline decides when the step stops.
    process.env.TRIGGERVAULT_SCAN_SEGMENTS = '4';
    const PAGE = 10;
    const scans: number[] = [];
    dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ScanCommand') {
          scans.push(Date.now());
          (args.input as ScanCommandInput).Limit = PAGE;
        }
        return next(args);
      },
      { step: 'initialize', name: 'countScans' },
    );
    const item = { store: files.store, runId: runIdAt(), region: REGION, name: tableName };
    try {
      // Act
      const first = await dynamodbTable.backup(
        { ...item, store: files.store.url, kind: 'dynamodb-table' },
        { store: files.store, runId: item.runId, deadline: Date.now() - 1 },
      );
      // Assess: one page per segment, then a stop with a cursor that holds every segment's position
      expect(scans).toHaveLength(4);
      const written = first.artifacts
        .filter((a) => a.role === 'data')
        .reduce((sum, a) => sum + (a.counts?.items ?? 0), 0);
      expect(written).toBe(4 * PAGE);
      expect(first.done).toBe(false);
      expect(first.cursor).toMatchObject({
        mode: 'scan',
        items: 4 * PAGE,
        segments: Array.from({ length: 4 }, () => ({ done: false, key: expect.any(Object) })),
      });
      expect(first.summary).toMatchObject({ totalSegments: 4, segmentsDone: 0 });
    } finally {
      dynamo.middlewareStack.remove('countScans');
      delete process.env.TRIGGERVAULT_SCAN_SEGMENTS;
    }
  });

  it('scans into an S3 store when point-in-time recovery is off', async () => {
    // Prepare
    const { store } = await s3Store('backups');
    const expected = scanned;
    // Act
    const run = await backupToEnd(dynamodbTable, {
      store,
      runId: runIdAt(),
      region: REGION,
      name: tableName,
    });
    // Assess
    expect(run.summary).toMatchObject({ method: 'scan', items: ITEMS });
    expect(sortByKey(await exported(store, run.artifacts))).toEqual(expected);
    for (const check of await measured(store, run.artifacts)) expect(check.stored).toEqual(check.recorded);
  });

  it('uses the native point-in-time export into an S3 store when PITR is on', async () => {
    // Prepare
    const name = unique('tv-pitr');
    await createTable(name, sampleItems(40));
    await dynamo.send(
      new UpdateContinuousBackupsCommand({
        TableName: name,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    const { store } = await s3Store('exports');
    const expected = await fullScan(REGION, name);
    // Act
    const run = await backupToEnd(dynamodbTable, { store, runId: runIdAt(), region: REGION, name });
    // Assess
    expect(run.summary).toMatchObject({ method: 'export', items: 40 });
    const data = run.artifacts.filter((artifact) => artifact.role === 'data');
    expect(data.length).toBeGreaterThan(0);
    expect(data.every((artifact) => artifact.path.includes('/export/AWSDynamoDB/'))).toBe(true);
    expect(sortByKey(await exported(store, run.artifacts))).toEqual(expected);
    for (const check of await measured(store, run.artifacts)) expect(check.stored).toEqual(check.recorded);
  });

  it('discovers the tables matching the patterns, and none without patterns', async () => {
    // Prepare
    const prefix = unique('tv-disc');
    await createTable(`${prefix}-a`, []);
    await createTable(`${prefix}-b`, []);
    // Act
    const matched = await dynamodbTable.discover(REGION, { patterns: [`${prefix}-*`] });
    const none = await dynamodbTable.discover(REGION, { patterns: [] });
    // Assess
    expect(matched.sort()).toEqual([`${prefix}-a`, `${prefix}-b`]);
    expect(none).toEqual([]);
  });
});

describe('dynamodb-table scan plan', () => {
  it('sizes segments by bytes and item count and caps reads at a share of provisioned capacity', () => {
    // Prepare
    const small = { TableSizeBytes: 1_000, ItemCount: 10, ProvisionedThroughput: { ReadCapacityUnits: 100 } };
    const many = {
      TableSizeBytes: 50_000_000,
      ItemCount: 50_000,
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' as const },
    };
    const huge = { TableSizeBytes: 10 * 1024 ** 3, ItemCount: 10_000_000 };
    // Act
    const plans = [planScan(small), planScan(many), planScan(huge)];
    // Assess
    expect(plans.map((plan) => plan.segments.length)).toEqual([1, 4, 16]);
    expect(plans.map((plan) => plan.rate)).toEqual([50, null, null]);
  });
});
