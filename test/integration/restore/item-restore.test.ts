import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  KinesisClient,
  PutRecordsCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Manifest } from '../../../schemas/manifest.js';
import type { ItemOutcome } from '../../../schemas/restore.js';
import { client } from '../../../src/aws/clients.js';
import { toJsonItem } from '../../../src/kinds/dynamodb-table/json.js';
import type { RecordLine } from '../../../src/kinds/kinesis-stream/format.js';
import { runStateMachineLocally } from '../../../src/local/runner.js';
import type { LookupStats } from '../../../src/reconcile/item-lookup.js';
import type { RestoreReport } from '../../../src/restore/report.js';
import { RunCatalog } from '../../../src/store/catalog.js';
import { manifestKey } from '../../../src/store/layout.js';
import { readNdjsonPart } from '../../../src/store/ndjson-part.js';
import { openStore } from '../../../src/store/open.js';
import type { BackupStore } from '../../../src/store/store.js';
import { unique } from '../../helpers/aws.js';
import { runCli } from '../../helpers/cli.js';
import {
  fullScan,
  keyOf,
  objectsOf,
  putObject,
  recordsByKey,
  sampleItems,
  sampleObjects,
} from '../../helpers/data.js';
import { storeSignedManifest } from '../../helpers/manifests.js';

// Item-level restores of the data kinds, through the command line, against a run of this file's own
// region (test/helpers/region-claims.ts). A file:// store: objects are streamed into it, so their
// attributes live in the index (the S3 store's server-side copies are covered by the whole restores).
const REGION = 'cn-northwest-1';
const dynamo = client(DynamoDBClient, REGION);
const s3 = client(S3Client, REGION);
const kinesis = client(KinesisClient, REGION);
type Item = Record<string, AttributeValue>;

const names = {
  table: unique('tv-items-orders'),
  copy: unique('tv-items-copy'),
  bucket: unique('tv-items-files'),
  other: unique('tv-items-other'),
  stream: unique('tv-items-clicks'),
  replay: unique('tv-items-replay'),
};
const ITEMS = 200;
const LOGS = 300;
const KEYS = ['user-1', 'user-2', 'user-3', 'user-4'];

let directory: string;
let store: BackupStore;
let storeUrl: string;
let runId: string;
let items: Item[];
let objects: Awaited<ReturnType<typeof objectsOf>>;
/** The stored records of the stream, read whole from the run (what a record restore must find). */
let storedRecords: RecordLine[];

const restore = (args: string[]) =>
  runCli(['restore', '--bucket', storeUrl, '--run', runId, '--json', ...args]);
const reportOf = (result: ReturnType<typeof runCli>): RestoreReport => {
  if (!result.stdout.trim()) throw new Error(`no report: exit ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as RestoreReport;
};
const outcomeOf = (report: RestoreReport) => report.items[0] as ItemOutcome;
const actions = (report: RestoreReport) =>
  Object.fromEntries(outcomeOf(report).changes.map((change) => [change.resource, change.action]));
const lookupOf = (report: RestoreReport) => outcomeOf(report).details?.lookup as LookupStats;

const logKey = (index: number) =>
  `logs/2026-0${1 + (index % 3)}/entry-${String(index).padStart(4, '0')}.json`;

async function seed() {
  await dynamo.send(
    new CreateTableCommand({
      TableName: names.table,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'N' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  items = sampleItems(ITEMS);
  for (let start = 0; start < items.length; start += 25)
    await dynamo.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [names.table]: items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  for (const bucket of [names.bucket, names.other])
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        CreateBucketConfiguration: { LocationConstraint: REGION as BucketLocationConstraint },
      }),
    );
  for (const object of sampleObjects()) await putObject(s3, names.bucket, object);
  for (let index = 0; index < LOGS; index += 1)
    await s3.send(
      new PutObjectCommand({
        Bucket: names.bucket,
        Key: logKey(index),
        Body: JSON.stringify({ index }),
        ContentType: 'application/json',
        Metadata: { line: String(index) },
        Tagging: `month=${1 + (index % 3)}`,
      }),
    );
  for (const stream of [names.stream, names.replay]) {
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    await waitUntilStreamExists({ client: kinesis, maxWaitTime: 60 }, { StreamName: stream });
  }
  // Two batches: a time range that starts at the second one selects it alone.
  for (const batch of [0, 1])
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: names.stream,
        Records: Array.from({ length: 200 }, (_, index) => ({
          PartitionKey: KEYS[index % KEYS.length] as string,
          Data: Buffer.from(JSON.stringify({ batch, index })),
        })),
      }),
    );
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-items-'));
  storeUrl = `file://${directory}/store`;
  store = openStore(storeUrl);
  await seed();
  objects = await objectsOf(REGION, names.bucket);
  const { summary } = await runStateMachineLocally('backup.asl.yaml', {
    store: storeUrl,
    regions: [REGION],
    include: ['dynamodb-table', 's3-bucket', 'kinesis-stream'],
    tables: [names.table],
    buckets: [names.bucket],
    streams: [names.stream],
  });
  expect(summary.status).toBe('succeeded');
  runId = summary.runId;
  const manifest = await new RunCatalog(store).completeManifest(runId);
  const stream = manifest.items.find((item) => item.name === names.stream);
  storedRecords = [];
  for (const artifact of (stream?.artifacts ?? [])
    .filter((a) => a.role === 'records')
    .sort((a, b) => a.path.localeCompare(b.path)))
    for await (const line of readNdjsonPart(store, artifact.path)) storedRecords.push(line as RecordLine);
}, 300_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('S3 objects by key, prefix or glob', () => {
  it('compares first: a dry run lists deleted objects to create, a changed one that differs, and writes nothing', async () => {
    // Prepare: an accident deletes two of January's logs and overwrites a third
    await s3.send(new DeleteObjectCommand({ Bucket: names.bucket, Key: logKey(0) }));
    await s3.send(new DeleteObjectCommand({ Bucket: names.bucket, Key: logKey(3) }));
    await s3.send(new PutObjectCommand({ Bucket: names.bucket, Key: logKey(6), Body: 'overwritten' }));
    // Act
    const report = reportOf(
      restore(['--only', `s3-bucket:${names.bucket}`, '--keys', 'logs/2026-01/*', '--dry-run']),
    );
    // Assess
    const january = Array.from({ length: LOGS }, (_, index) => index).filter((index) => index % 3 === 0);
    expect(report.dryRun).toBe(true);
    expect(actions(report)).toEqual(
      Object.fromEntries(
        january.map((index) => [
          `object s3://${names.bucket}/${logKey(index)}`,
          index === 0 || index === 3 ? 'create' : index === 6 ? 'differs' : 'unchanged',
        ]),
      ),
    );
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: names.bucket, Prefix: 'logs/2026-01/' }));
    expect(listed.KeyCount).toBe(january.length - 2);
    // Only the index blocks whose key range can hold logs/2026-01/… were read.
    const lookup = lookupOf(report);
    expect(lookup.partsReadWhole).toBe(0);
    expect(lookup.blocks).toBeGreaterThan(3);
    expect(lookup.blocksRead).toBeLessThan(lookup.blocks);
    expect(lookup.bytesRead).toBeLessThan(lookup.bytesStored);
  });

  it('restores the deleted objects with their content type, metadata and tags; the changed one only with --force', async () => {
    // Act
    const first = restore(['--only', `s3-bucket:${names.bucket}`, '--keys', 'logs/2026-01/*']);
    const forced = restore(['--only', `s3-bucket:${names.bucket}`, '--keys', 'logs/2026-01/*', '--force']);
    const again = restore(['--only', `s3-bucket:${names.bucket}`, '--keys', 'logs/2026-01/*']);
    // Assess
    expect(first.status).toBe(1);
    expect(
      Object.values(actions(reportOf(first)))
        .filter((action) => action !== 'unchanged')
        .sort(),
    ).toEqual(['create', 'create', 'differs']);
    expect(forced.status).toBe(0);
    expect(Object.values(actions(reportOf(forced))).filter((action) => action !== 'unchanged')).toEqual([
      'update',
    ]);
    expect(again.status).toBe(0);
    expect(new Set(Object.values(actions(reportOf(again))))).toEqual(new Set(['unchanged']));
    expect(await objectsOf(REGION, names.bucket)).toEqual(objects);
    // Three command lines, each a process of its own, and every object of the bucket read back.
  }, 180_000);

  it('restores exact keys and a ? glob into another bucket under a prefix, attributes and bytes as backed up', async () => {
    // Act
    const result = restore([
      '--only',
      `s3-bucket:${names.bucket}`,
      '--keys',
      'ünïcødé/日本語 ファイル.txt',
      '--keys',
      'question?mark#hash&amp.txt',
      '--keys',
      'logs/2026-02/entry-000?.json',
      '--to-bucket',
      names.other,
      '--to-prefix',
      'restored/',
    ]);
    // Assess
    expect(result.status).toBe(0);
    const wanted = [
      'ünïcødé/日本語 ファイル.txt',
      'question?mark#hash&amp.txt',
      logKey(1),
      logKey(4),
      logKey(7),
    ];
    const expected = objects
      .filter((object) => wanted.includes(object.key))
      .map((object) => ({ ...object, key: `restored/${object.key}` }))
      .sort((a, b) => a.key.localeCompare(b.key));
    const restored = (await objectsOf(REGION, names.other)).sort((a, b) => a.key.localeCompare(b.key));
    expect(restored).toEqual(expected);
  });
});

describe('DynamoDB items by key or key condition', () => {
  it('compares first per item, writes only the missing ones, and a differing item only with --force', async () => {
    // Prepare: three items deleted, one changed, one left alone
    const [a, b, c, changed, untouched] = [3, 40, 77, 120, 150].map((index) => items[index] as Item) as [
      Item,
      Item,
      Item,
      Item,
      Item,
    ];
    for (const item of [a, b, c])
      await dynamo.send(
        new DeleteItemCommand({ TableName: names.table, Key: { pk: item.pk, sk: item.sk } as Item }),
      );
    await dynamo.send(
      new PutItemCommand({ TableName: names.table, Item: { ...changed, flag: { S: 'changed' } } }),
    );
    const file = join(directory, 'keys.json');
    await writeFile(
      file,
      JSON.stringify({
        keys: [a, b, changed, untouched].map((item) => ({ pk: item.pk?.S, sk: Number(item.sk?.N) })),
      }),
    );
    const inline = JSON.stringify(toJsonItem({ pk: c.pk, sk: c.sk } as Item));
    const args = ['--only', `dynamodb-table:${names.table}`, '--items', file, '--item', inline];
    // Act
    const dry = reportOf(restore([...args, '--dry-run']));
    const afterDry = await fullScan(REGION, names.table);
    const applied = restore(args);
    const forced = restore([...args, '--force']);
    // Assess
    const label = (item: Item) =>
      `item pk=${JSON.stringify(item.pk?.S)} sk=${item.sk?.N} of table ${names.table}`;
    expect(actions(dry)).toEqual({
      [label(a)]: 'create',
      [label(b)]: 'create',
      [label(c)]: 'create',
      [label(changed)]: 'differs',
      [label(untouched)]: 'unchanged',
    });
    expect(outcomeOf(dry).changes.find((change) => change.action === 'differs')?.fields).toEqual([
      { field: 'flag', current: { S: 'changed' }, desired: { BOOL: true } },
    ]);
    expect(afterDry).toHaveLength(ITEMS - 3);
    expect(applied.status).toBe(1);
    expect(forced.status).toBe(0);
    expect(actions(reportOf(forced))[label(changed)]).toBe('update');
    expect(await fullScan(REGION, names.table)).toEqual(sortedItems());
    // Only the blocks whose partition-key filter may hold one of the keys were read.
    const lookup = lookupOf(dry);
    expect(lookup.partsReadWhole).toBe(0);
    expect(lookup.blocksRead).toBeLessThan(lookup.blocks);
    // Three command lines, each a process of its own.
  }, 180_000);

  it('restores the items of a key condition into a new table created with the recorded schema', async () => {
    // Prepare
    const file = join(directory, 'condition.json');
    await writeFile(
      file,
      JSON.stringify({ condition: { partitionKey: 'user#5', sortKey: { between: [40, 160] } } }),
    );
    // Act
    const result = restore([
      '--only',
      `dynamodb-table:${names.table}`,
      '--items',
      file,
      '--to-table',
      names.copy,
    ]);
    // Assess
    expect(result.status).toBe(0);
    const expected = items.filter(
      (item) => item.pk?.S === 'user#5' && Number(item.sk?.N) >= 40 && Number(item.sk?.N) <= 160,
    );
    expect(expected.length).toBeGreaterThan(1);
    expect((await fullScan(REGION, names.copy)).map(keyOf)).toEqual(expected.map(keyOf).sort());
    expect(await fullScan(REGION, names.copy)).toEqual(
      sortedItems().filter((item) => expected.map(keyOf).includes(keyOf(item))),
    );
    expect(actions(reportOf(result))[`table ${names.copy}`]).toBe('create');
  });

  it('reads a run written before lookups whole, and finds the same items', async () => {
    // Prepare: the same run without its lookup documents, as an older version wrote it
    const manifest = (await store.getJson(manifestKey(runId))) as Manifest;
    const older = `${runId.slice(0, -6)}zzzzzz`;
    await storeSignedManifest(store, {
      ...manifest,
      runId: older,
      items: manifest.items.map((item) => ({
        ...item,
        artifacts: item.artifacts.filter((a) => a.role !== 'lookup'),
      })),
    });
    const key = JSON.stringify({ pk: items[40]?.pk?.S, sk: Number(items[40]?.sk?.N) });
    // Act
    const result = runCli([
      'restore',
      '--bucket',
      storeUrl,
      '--run',
      older,
      '--json',
      '--only',
      `dynamodb-table:${names.table}`,
      '--item',
      key,
      '--dry-run',
    ]);
    // Assess
    const report = reportOf(result);
    expect(Object.values(actions(report))).toEqual(['unchanged']);
    expect(lookupOf(report).partsReadWhole).toBe(lookupOf(report).parts);
    expect(lookupOf(report).bytesRead).toBe(lookupOf(report).bytesStored);
  });
});

describe('Kinesis records by partition key and arrival time', () => {
  it('replays the records of a key from a time on, in order, into another stream; a second run finds them there', async () => {
    // Prepare: the second batch starts at the arrival of its first record
    const from = storedRecords
      .filter((record) => JSON.parse(Buffer.from(record.data, 'base64').toString()).batch === 1)
      .map((record) => record.approximateArrivalTimestamp)
      .sort()[0] as string;
    const args = [
      '--only',
      `kinesis-stream:${names.stream}`,
      '--records',
      `pk=user-3,pk=user-4,from=${from}`,
      '--to-stream',
      names.replay,
    ];
    // Act
    const first = restore(args);
    const again = restore(args);
    // Assess
    expect(first.status).toBe(0);
    const expected: Record<string, string[]> = {};
    for (const record of storedRecords)
      if (['user-3', 'user-4'].includes(record.partitionKey) && record.approximateArrivalTimestamp >= from)
        expected[record.partitionKey] = [
          ...(expected[record.partitionKey] ?? []),
          Buffer.from(record.data, 'base64').toString(),
        ];
    expect(Object.values(expected).every((records) => records.length >= 50 && records.length < 100)).toBe(
      true,
    );
    expect(await recordsByKey(REGION, names.replay)).toEqual(expected);
    expect(Object.values(actions(reportOf(first)))).toEqual(['create', 'create']);
    expect(Object.values(actions(reportOf(again)))).toEqual(['unchanged', 'unchanged']);
  }, 120_000);
});

describe('bad input', () => {
  it('exits 2 naming the flag and writes nothing', async () => {
    // Prepare
    const restores = async () => {
      let count = 0;
      for await (const _ of store.list(`runs/${runId}/restores/`)) count += 1;
      return count;
    };
    const before = await restores();
    const missing = join(directory, 'missing.json');
    const notKey = join(directory, 'not-key.json');
    await writeFile(notKey, JSON.stringify([{ pk: 'user#1', sk: 1, total: 3 }]));
    // Act
    const results = [
      restore(['--only', `dynamodb-table:${names.table}`, '--keys', 'a*']),
      restore(['--only', `kinesis-stream:${names.stream}`, '--records', 'shard=1']),
      restore(['--only', `dynamodb-table:${names.table}`, '--items', missing]),
      restore(['--only', `dynamodb-table:${names.table}`, '--items', notKey]),
      restore(['--only', 's3-bucket:no-such-bucket', '--keys', 'a']),
      restore(['--only', `s3-bucket:${names.bucket}`, '--keys', 'a', '--name-suffix', '-x']),
      restore(['--keys', 'a']),
      restore(['--only', `kinesis-stream:${names.stream}`, '--records', 'from=yesterday']),
    ];
    // Assess
    expect(results.map((result) => result.status)).toEqual(results.map(() => 2));
    const messages = results.map((result) => result.stderr.trim());
    expect(messages[0]).toMatch(/^triggervault: keys: /);
    expect(messages[1]).toContain('records: unknown field "shard"');
    expect(messages[2]).toContain('items: cannot read');
    expect(messages[3]).toContain('total is not part of the primary key');
    expect(messages[4]).toContain('only: run');
    expect(messages[5]).toContain('name-suffix:');
    expect(messages[6]).toContain('only:');
    expect(messages[7]).toContain('records');
    expect(await restores()).toBe(before);
    // Eight command lines, each a process of its own.
  }, 240_000);
});

/** The seeded items as a Scan returns them, in key order (what the table must hold again). */
function sortedItems(): Item[] {
  return [...items].sort((x, y) => keyOf(x).localeCompare(keyOf(y)));
}
