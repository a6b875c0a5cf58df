import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordsCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Change } from '../../../schemas/restore.js';
import { client } from '../../../src/aws/clients.js';
import { liveTableShape } from '../../../src/kinds/dynamodb-table/compare.js';
import { runStateMachineLocally } from '../../../src/local/runner.js';
import type { RestoreReport } from '../../../src/restore/report.js';
import { openStore } from '../../../src/store/open.js';
import type { BackupStore } from '../../../src/store/store.js';
import { unique } from '../../helpers/aws.js';
import {
  fullScan,
  objectsOf,
  putObject,
  recordsByKey,
  type SourceObject,
  sampleItems,
  sampleObjects,
} from '../../helpers/data.js';
import { s3Store } from '../../helpers/kinds.js';
import { deleteBucket, runRestore } from '../../helpers/restore.js';

// The data kinds are backed up, deleted and restored here, under unique names, in a region of this
// file's own (test/helpers/region-claims.ts).
const REGION = 'ap-east-1';
const dynamo = client(DynamoDBClient, REGION);
const s3 = client(S3Client, REGION);
const kinesis = client(KinesisClient, REGION);
type Item = Record<string, AttributeValue>;

const names = {
  /** PITR on: exported natively into an S3 store, restored with ImportTable. */
  imported: unique('tv-rt-orders'),
  /**
   * The same with unicode text and an empty map in its items, which moto's ImportTable garbles or
   * skips while reporting COMPLETED: the restore's check after the import catches it and writes the
   * items itself.
   */
  fallback: unique('tv-rt-binary'),
  /** A local secondary index (ImportTable cannot create one) and provisioned capacity: BatchWriteItem. */
  written: unique('tv-rt-events'),
  bucket: unique('tv-rt-objects'),
  stream: unique('tv-rt-clicks'),
};
const KEYS = 9;
const RECORDS = 150;

let directory: string;
let s3Run: { store: BackupStore; runId: string };
let fileRun: { store: BackupStore; runId: string };
const original: {
  items: Record<string, Item[]>;
  shapes: Record<string, Record<string, unknown>>;
  objects?: Awaited<ReturnType<typeof objectsOf>>;
  records?: Record<string, string[]>;
} = { items: {}, shapes: {} };

/** The table's schema and settings as the restore compares them (DescribeTable, TTL, PITR, tags). */
async function describeShape(table: string) {
  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: table }));
  return liveTableShape(dynamo, Table ?? {});
}

const TABLES = [names.imported, names.fallback, names.written];

/**
 * Items moto's ImportTable reads faithfully: every attribute type, but ASCII text without escapes
 * (it stores non-ASCII text as literal \\u escapes and cuts strings at an escaped quote) and no empty
 * map (a file with one is skipped).
 */
const importable = (item: Item): Item => ({
  ...item,
  text: { S: `plain ascii ${item.sk?.N}` },
  strings: { SS: ['a', 'b', 'c'] },
  list: { L: (item.list?.L ?? []).filter((value) => !value.M || Object.keys(value.M).length > 0) },
});

const KEYS_SCHEMA = [
  { AttributeName: 'pk', KeyType: 'HASH' as const },
  { AttributeName: 'sk', KeyType: 'RANGE' as const },
];
const ATTRIBUTES = [
  { AttributeName: 'pk', AttributeType: 'S' as const },
  { AttributeName: 'sk', AttributeType: 'N' as const },
  { AttributeName: 'gsiKey', AttributeType: 'S' as const },
];

/** On demand, a GSI, a stream, tags and PITR (so an S3 store gets a native export). */
async function createExportedTable(TableName: string) {
  await dynamo.send(
    new CreateTableCommand({
      TableName,
      KeySchema: KEYS_SCHEMA,
      AttributeDefinitions: ATTRIBUTES,
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        {
          IndexName: 'by-gsi',
          KeySchema: [{ AttributeName: 'gsiKey', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      Tags: [{ Key: 'team', Value: 'orders' }],
    }),
  );
  await dynamo.send(
    new UpdateContinuousBackupsCommand({
      TableName,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    }),
  );
}

/** Provisioned, a local secondary index, TTL, no PITR (always scanned). */
async function createLsiTable(TableName: string) {
  await dynamo.send(
    new CreateTableCommand({
      TableName,
      KeySchema: KEYS_SCHEMA,
      AttributeDefinitions: ATTRIBUTES,
      BillingMode: 'PROVISIONED',
      ProvisionedThroughput: { ReadCapacityUnits: 7, WriteCapacityUnits: 3 },
      LocalSecondaryIndexes: [
        {
          IndexName: 'by-gsi-key',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'gsiKey', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    }),
  );
  await dynamo.send(
    new UpdateTimeToLiveCommand({
      TableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' },
    }),
  );
}

async function seedTables() {
  await createExportedTable(names.imported);
  await createExportedTable(names.fallback);
  await createLsiTable(names.written);
  for (const [table, items] of [
    [names.imported, sampleItems(80).map(importable)],
    [names.fallback, sampleItems(40)],
    [names.written, sampleItems(60)],
  ] as const) {
    for (let start = 0; start < items.length; start += 25)
      await dynamo.send(
        new BatchWriteItemCommand({
          RequestItems: { [table]: items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
  }
}

/** Tricky keys and attributes, plus headers and a few objects of other shapes. */
function bucketObjects(): SourceObject[] {
  return [
    ...sampleObjects(),
    {
      key: 'headers/with cache+disposition.html',
      body: Buffer.from('<h1>ünïcødé</h1>'),
      contentType: 'text/html; charset=utf-8',
      metadata: { origin: 'upload' },
      tags: [{ Key: 'kind', Value: 'page' }],
      headers: { CacheControl: 'max-age=60', ContentDisposition: 'attachment; filename="a b.html"' },
    },
    { key: 'empty/', body: Buffer.alloc(0), contentType: 'application/x-directory', metadata: {}, tags: [] },
  ];
}

async function seedBucket() {
  const Bucket = names.bucket;
  await s3.send(
    new CreateBucketCommand({
      Bucket,
      CreateBucketConfiguration: { LocationConstraint: REGION as BucketLocationConstraint },
    }),
  );
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(
    new PutBucketCorsCommand({
      Bucket,
      CORSConfiguration: {
        CORSRules: [{ AllowedMethods: ['GET'], AllowedOrigins: ['https://example.com'] }],
      },
    }),
  );
  await s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket,
      LifecycleConfiguration: {
        Rules: [{ ID: 'expire-tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 7 } }],
      },
    }),
  );
  await s3.send(
    new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: 'app', Value: 'restore test' }] } }),
  );
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          // An Allow: moto enforces a Deny on plain HTTP, which the emulator speaks.
          {
            Sid: 'ReadForTheAccount',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::123456789012:root' },
            Action: 's3:GetObject',
            Resource: `arn:aws:s3:::${Bucket}/*`,
          },
        ],
      }),
    }),
  );
  for (const object of bucketObjects()) await putObject(s3, Bucket, object);
}

async function seedStream() {
  await kinesis.send(new CreateStreamCommand({ StreamName: names.stream, ShardCount: 3 }));
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: 60 }, { StreamName: names.stream });
  // One batch at a time, in order: per key, record n+1 follows record n.
  for (let start = 0; start < RECORDS; start += 50)
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: names.stream,
        Records: Array.from({ length: Math.min(50, RECORDS - start) }, (_, offset) => ({
          PartitionKey: `user-${(start + offset) % KEYS}`,
          Data: Buffer.from(JSON.stringify({ click: start + offset, text: 'ü' })),
        })),
      }),
    );
}

async function backup(store: BackupStore) {
  const { summary } = await runStateMachineLocally('backup.asl.yaml', {
    store: store.url,
    regions: [REGION],
    include: ['dynamodb-table', 's3-bucket', 'kinesis-stream'],
    tables: TABLES,
    buckets: [names.bucket],
    streams: [names.stream],
  });
  expect(summary.failed).toEqual([]);
  expect(summary.status).toBe('succeeded');
  return { store, runId: summary.runId };
}

async function deleteAll(stream = names.stream) {
  await deleteVersionedBucket(names.bucket);
  for (const table of TABLES) await dynamo.send(new DeleteTableCommand({ TableName: table }));
  await kinesis.send(new DeleteStreamCommand({ StreamName: stream, EnforceConsumerDeletion: true }));
}

async function deleteVersionedBucket(bucket: string) {
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }),
  );
  await deleteBucket(REGION, bucket);
}

const exists = {
  table: (name: string) =>
    dynamo
      .send(new DescribeTableCommand({ TableName: name }))
      .then(() => true)
      .catch(() => false),
  stream: (name: string) =>
    kinesis
      .send(new DescribeStreamSummaryCommand({ StreamName: name }))
      .then(() => true)
      .catch(() => false),
  bucket: (name: string) =>
    s3
      .send(new HeadBucketCommand({ Bucket: name }))
      .then(() => true)
      .catch(() => false),
};

async function reportOf(store: BackupStore, key: string) {
  return (await store.getJson(key)) as RestoreReport;
}

const changesOf = (report: RestoreReport): (Change & { item: string })[] =>
  report.items.flatMap((item) => item.changes.map((change) => ({ ...change, item: item.name })));

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-data-restore-'));
  await Promise.all([seedTables(), seedBucket(), seedStream()]);
  s3Run = await backup((await s3Store('data')).store);
  fileRun = await backup(openStore(`file://${directory}/store`));
  for (const table of TABLES) {
    original.items[table] = await fullScan(REGION, table);
    original.shapes[table] = await describeShape(table);
  }
  original.objects = await objectsOf(REGION, names.bucket);
  original.records = await recordsByKey(REGION, names.stream);
  await deleteAll();
}, 240_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('restore of tables, buckets and streams, round trip on the emulator', () => {
  it('--dry-run plans every table, bucket and stream with its data, and creates nothing', async () => {
    // Act
    const summary = await runRestore({ store: s3Run.store.url, run: s3Run.runId, dryRun: true });
    // Assess
    const report = await reportOf(s3Run.store, summary.report);
    expect(report.items.map((item) => [item.kind, item.action]).sort()).toEqual([
      ['dynamodb-table', 'create'],
      ['dynamodb-table', 'create'],
      ['dynamodb-table', 'create'],
      ['kinesis-stream', 'create'],
      ['s3-bucket', 'create'],
    ]);
    expect(
      changesOf(report).find((change) => change.resource === `items of table ${names.imported}`)?.note,
    ).toBe('80 items, with ImportTable');
    for (const table of TABLES) expect(await exists.table(table)).toBe(false);
    expect(await exists.stream(names.stream)).toBe(false);
    expect(await exists.bucket(names.bucket)).toBe(false);
  });

  it('restores every table, bucket and stream field by field and byte by byte', async () => {
    // Act
    const summary = await runRestore({ store: s3Run.store.url, run: s3Run.runId });
    // Assess
    expect(summary.problems).toEqual([]);
    expect(summary.status).toBe('restored');
    for (const table of TABLES) {
      expect({ table, shape: await describeShape(table) }).toEqual({ table, shape: original.shapes[table] });
      expect({ table, items: await fullScan(REGION, table) }).toEqual({
        table,
        items: original.items[table],
      });
    }
    expect(await objectsOf(REGION, names.bucket)).toEqual(original.objects);
    expect(await recordsByKey(REGION, names.stream)).toEqual(original.records);
    // ImportTable restored one table; the other fell back to BatchWriteItem (see names.fallback).
    const report = await reportOf(s3Run.store, summary.report);
    const notes = (table: string) => report.items.find((item) => item.name === table)?.notes;
    expect(notes(names.imported)).toEqual([]);
    expect(notes(names.fallback)).toEqual([
      'ImportTable left 0 of 40 items: the table was created again and its items written with BatchWriteItem',
    ]);
  });

  it('a second restore finds everything unchanged and changes nothing', async () => {
    // Act
    const summary = await runRestore({ store: s3Run.store.url, run: s3Run.runId });
    // Assess
    const changed = changesOf(await reportOf(s3Run.store, summary.report)).filter(
      (change) => change.action !== 'unchanged',
    );
    expect(changed).toEqual([]);
    expect(await recordsByKey(REGION, names.stream)).toEqual(original.records);
  });

  it('reports data that differs, leaves it alone, and writes the backup over it only with --force', async () => {
    // Prepare
    const extra = { pk: { S: 'not-in-backup' }, sk: { N: '1' } };
    await dynamo.send(new PutItemCommand({ TableName: names.written, Item: extra }));
    const only = [`dynamodb-table:${names.written}`];
    // Act
    const refused = await runRestore({ store: s3Run.store.url, run: s3Run.runId, only });
    const itemsAfterRefusal = await fullScan(REGION, names.written);
    const forced = await runRestore({ store: s3Run.store.url, run: s3Run.runId, only, force: true });
    // Assess
    expect(refused.status).toBe('incomplete');
    const differs = changesOf(await reportOf(s3Run.store, refused.report)).filter(
      (change) => change.action === 'differs',
    );
    expect(differs.map((change) => [change.resource, change.fields?.map((field) => field.field)])).toEqual([
      [`items of table ${names.written}`, ['items', 'checksum']],
    ]);
    expect(itemsAfterRefusal).toHaveLength((original.items[names.written] as Item[]).length + 1);
    expect(forced.status).toBe('restored');
    // --force writes every backed-up item over the table; an item the backup does not have stays.
    expect(await fullScan(REGION, names.written)).toEqual(
      [...(original.items[names.written] as Item[]), extra].sort((a, b) =>
        `${a.pk?.S}|${a.sk?.N}`.localeCompare(`${b.pk?.S}|${b.sk?.N}`),
      ),
    );
  });

  it('restores from a file:// store: items by BatchWriteItem, objects uploaded with the attributes of the index', async () => {
    // Prepare
    await deleteAll();
    // Act
    const summary = await runRestore({ store: fileRun.store.url, run: fileRun.runId });
    // Assess
    expect(summary.problems).toEqual([]);
    for (const table of [names.imported, names.written])
      expect({ table, items: await fullScan(REGION, table) }).toEqual({
        table,
        items: original.items[table],
      });
    expect(await objectsOf(REGION, names.bucket)).toEqual(original.objects);
    expect(await recordsByKey(REGION, names.stream)).toEqual(original.records);
  });

  it('replays a stream into a new stream (a name suffix), every partition key in order', async () => {
    // Act
    const summary = await runRestore({
      store: fileRun.store.url,
      run: fileRun.runId,
      only: [`kinesis-stream:${names.stream}`],
      nameSuffix: '-copy',
    });
    // Assess
    expect(summary.status).toBe('restored');
    const copy = await recordsByKey(REGION, `${names.stream}-copy`);
    expect(copy).toEqual(original.records);
    expect(Object.keys(copy)).toHaveLength(KEYS);
    await kinesis.send(new DeleteStreamCommand({ StreamName: `${names.stream}-copy` }));
  });
});
