import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Retention } from '../../schemas/policy.js';
import { RunIndex } from '../../schemas/run-index.js';
import { search } from '../../src/audit/search.js';
import { client } from '../../src/aws/clients.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import { NO_POLICY, pruneStore } from '../../src/policy/prune.js';
import { RunCatalog } from '../../src/store/catalog.js';
import { openStore } from '../../src/store/open.js';
import type { BackupStore } from '../../src/store/store.js';
import { clearListingMemos } from '../../src/triggers/index.js';
import { createTestFunction, unique } from '../helpers/aws.js';
import { renderInChromium } from '../helpers/chromium.js';
import { runCli } from '../helpers/cli.js';

// Two runs of a small app in a region of this file's own (moto serves it in the aws partition): three
// functions (one fed by a queue), a bucket of 16 objects and a table of 20 items, backed up in chunks
// of 4 (several objects-index and data parts). Between the runs a function, the queue's mapping, 3
// objects and an item go, and an object and an item change: the second run must count the
// deletions, raise the alarm's condition for functions, triggers and objects (past 10 %; the item is 5 %),
// say so on the topic with the names, hold pruning, and `find` and `report --runs` must show it.
const REGION = 'us-isof-south-1';
const lambda = client(LambdaClient, REGION);
const s3 = client(S3Client, REGION);
const dynamo = client(DynamoDBClient, REGION);
const sqs = (region: string) => client(SQSClient, region);
let directory: string;
let storeUrl: string;
let store: BackupStore;
let inbox: string;
const runs: string[] = [];
const names = {
  a: unique('hist-a'),
  b: unique('hist-b'),
  c: unique('hist-c'),
  queue: unique('hist-queue'),
  bucket: unique('tv-hist'),
  table: unique('hist-orders'),
};
const OBJECT_KEYS = [
  ...Array.from({ length: 6 }, (_, index) => `img/${String(index).padStart(2, '0')}.jpg`),
  ...Array.from({ length: 10 }, (_, index) => `reports/r${String(index).padStart(2, '0')}.csv`),
];
const GONE_KEYS = ['reports/r00.csv', 'reports/r05.csv', 'reports/r09.csv'];
let mappingId: string;

async function queue(region: string, name: string) {
  const url = (await sqs(region).send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
  const attributes = await sqs(region).send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return { url, arn: attributes.Attributes?.QueueArn as string };
}

const putItem = (pk: string, version: number) =>
  dynamo.send(
    new PutItemCommand({ TableName: names.table, Item: { pk: { S: pk }, version: { N: String(version) } } }),
  );

async function backup() {
  const { summary } = await runStateMachineLocally('backup.asl.yaml', {
    store: storeUrl,
    regions: [REGION],
    buckets: [names.bucket],
    tables: [names.table],
  });
  runs.push(summary.runId);
  return summary;
}

/** The SNS envelopes delivered to the inbox queue so far. */
async function delivered(): Promise<
  { Subject?: string; Message: string; MessageAttributes?: Record<string, { Value: string }> }[]
> {
  const bodies: string[] = [];
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const page = await sqs('us-east-1').send(
      new ReceiveMessageCommand({ QueueUrl: inbox, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    bodies.push(...(page.Messages ?? []).map((message) => message.Body as string));
    if (bodies.length >= 2) break;
  }
  return bodies.map((body) => JSON.parse(body));
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-history-'));
  storeUrl = `file://${directory}/store`;
  store = openStore(storeUrl);
  process.env.TRIGGERVAULT_CHUNK_ITEMS = '4';
  const results = await queue('us-east-1', unique('hist-inbox'));
  inbox = results.url;
  const sns = client(SNSClient, 'us-east-1');
  const topic = (await sns.send(new CreateTopicCommand({ Name: unique('hist-results') }))).TopicArn as string;
  await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: results.arn }));
  process.env.TRIGGERVAULT_TOPIC_ARN = topic;

  for (const name of [names.a, names.b, names.c]) await createTestFunction(REGION, name);
  const source = await queue(REGION, names.queue);
  mappingId = (
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: names.a,
        EventSourceArn: source.arn,
        BatchSize: 5,
      }),
    )
  ).UUID as string;
  await s3.send(
    new CreateBucketCommand({
      Bucket: names.bucket,
      CreateBucketConfiguration: { LocationConstraint: REGION as never },
    }),
  );
  for (const key of OBJECT_KEYS)
    await s3.send(new PutObjectCommand({ Bucket: names.bucket, Key: key, Body: key }));
  await dynamo.send(
    new CreateTableCommand({
      TableName: names.table,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  for (let index = 0; index < 20; index += 1) await putItem(`order-${String(index).padStart(2, '0')}`, 1);
  expect((await backup()).status).toBe('succeeded');

  await lambda.send(new DeleteFunctionCommand({ FunctionName: names.c }));
  await lambda.send(new DeleteEventSourceMappingCommand({ UUID: mappingId }));
  for (const key of GONE_KEYS) await s3.send(new DeleteObjectCommand({ Bucket: names.bucket, Key: key }));
  await s3.send(new PutObjectCommand({ Bucket: names.bucket, Key: 'reports/r07.csv', Body: 'changed' }));
  await dynamo.send(new DeleteItemCommand({ TableName: names.table, Key: { pk: { S: 'order-03' } } }));
  await putItem('order-07', 2);
  clearListingMemos(); // region-wide trigger listings are reused for 30 s within a process
  expect((await backup()).status).toBe('succeeded');
}, 300_000);

afterAll(async () => {
  delete process.env.TRIGGERVAULT_CHUNK_ITEMS;
  delete process.env.TRIGGERVAULT_TOPIC_ARN;
  await rm(directory, { recursive: true, force: true });
});

describe('mass deletion', () => {
  it('records per unit what disappeared since the previous run, and which units passed the threshold', async () => {
    const manifest = await new RunCatalog(store).completeManifest(runs[1] as string);
    const units = manifest.deletions?.units;
    expect(manifest.deletions?.previousRunId).toBe(runs[0]);
    expect(units?.functions).toEqual({
      previous: 3,
      deleted: 1,
      share: 33.33,
      names: [`${REGION} ${names.c}`],
      exact: true,
    });
    expect(units?.triggers).toMatchObject({ previous: 1, deleted: 1, share: 100, exact: true });
    expect(units?.triggers?.names[0]).toMatch(
      new RegExp(`^${REGION} ${names.a}: event-source-mapping .*${names.queue}$`),
    );
    expect(units?.objects).toEqual({
      previous: 16,
      deleted: 3,
      share: 18.75,
      names: GONE_KEYS.map((key) => `${REGION} ${names.bucket}/${key}`),
      exact: true,
    });
    expect(units?.items).toEqual({
      previous: 20,
      deleted: 1,
      share: 5,
      names: [`${REGION} ${names.table}: 1 fewer items`],
      exact: false,
    });
    expect(manifest.deletions?.massDeletion).toEqual(['functions', 'triggers', 'objects']);
    // The run index Finalize wrote, which the count (and `find`) read.
    expect(
      RunIndex.parse(await store.getJson(manifest.index?.path as string))
        .functions.map((fn) => fn.name)
        .sort(),
    ).toEqual([names.a, names.b].sort());
  });

  it('publishes the run summary with MASS DELETION in the subject and the names in the message', async () => {
    const envelopes = await delivered();
    const second = envelopes.find((envelope) => JSON.parse(envelope.Message).runId === runs[1]);
    expect(second?.Subject).toMatch(/^MASS DELETION of functions, triggers, objects - triggervault run /);
    expect(second?.MessageAttributes?.massDeletion?.Value).toBe('functions,triggers,objects');
    const message = JSON.parse(second?.Message as string);
    expect(message.deletions.units.objects.names).toEqual(
      GONE_KEYS.map((key) => `${REGION} ${names.bucket}/${key}`),
    );
    const first = envelopes.find((envelope) => JSON.parse(envelope.Message).runId === runs[0]);
    expect(first?.Subject).toMatch(/^triggervault run /);
    expect(first?.MessageAttributes?.massDeletion).toBeUndefined();
  });

  it('holds pruning while the newest run recorded a mass deletion, when the retention asks to', async () => {
    const retention = Retention.parse({
      keepLast: 1,
      daily: 0,
      weekly: 0,
      monthly: 0,
      minAgeDays: 0,
      holdOnMassDeletion: true,
    });
    const report = await pruneStore(store, { retention: { [NO_POLICY]: retention }, dryRun: true });
    expect(report.deletedRuns).toEqual([]);
    expect(report.runs[0]?.reasons).toEqual([
      `held: run ${runs[1]} recorded a mass deletion of functions, triggers, objects`,
    ]);
  });
});

describe('find', () => {
  const found = (report: Awaited<ReturnType<typeof search>>) =>
    report.found.map((entry) => ({
      what: entry.what,
      key: entry.key,
      changes: entry.changes.map((change) => [change.change, change.runId]),
    }));

  it('finds an object key in the one index part per run that can hold it, with when it changed', async () => {
    const report = await search(store, { pattern: 'reports/r07.csv', what: ['object'] });
    expect(found(report)).toEqual([
      {
        what: 'object',
        key: 'reports/r07.csv',
        changes: [
          ['added', runs[0]],
          ['changed', runs[1]],
        ],
      },
    ]);
    // 16 then 13 objects in parts of 4: 4 + 4 parts, one read in each run.
    expect(report.read.objectParts).toMatchObject({ considered: 8, parts: 2 });
    const gone = await search(store, { pattern: 'reports/r0?.csv', what: ['object'] });
    expect(found(gone).filter((entry) => entry.changes.some(([change]) => change === 'removed'))).toEqual(
      ['reports/r00.csv', 'reports/r05.csv', 'reports/r09.csv'].map((key) => ({
        what: 'object',
        key,
        changes: [
          ['added', runs[0]],
          ['removed', runs[1]],
        ],
      })),
    );
  });

  it('finds functions, triggers and item keys across runs', async () => {
    const functions = await search(store, { pattern: 'hist-c-*', what: ['function'] });
    expect(found(functions)).toEqual([
      {
        what: 'function',
        key: names.c,
        changes: [
          ['added', runs[0]],
          ['removed', runs[1]],
        ],
      },
    ]);
    const triggers = await search(store, { pattern: names.queue, what: ['trigger'] });
    expect(found(triggers)).toEqual([
      {
        what: 'trigger',
        key: `event-source-mapping ${mappingId}`,
        changes: [
          ['added', runs[0]],
          ['removed', runs[1]],
        ],
      },
    ]);
    const items = await search(store, { pattern: 'order-0?', what: ['item'] });
    const byKey = Object.fromEntries(found(items).map((entry) => [entry.key, entry.changes]));
    expect(byKey['order-03']).toEqual([
      ['added', runs[0]],
      ['removed', runs[1]],
    ]);
    expect(byKey['order-07']).toEqual([
      ['added', runs[0]],
      ['changed', runs[1]],
    ]);
    expect(byKey['order-05']).toEqual([['added', runs[0]]]);
    // Table parts are not sorted: every part of the table is read, each once.
    expect(items.read.itemParts.parts).toBe(items.read.itemParts.considered - items.read.itemParts.shared);
    expect(items.read.itemParts.bytes).toBeGreaterThan(0);
  });

  it('is a command: what it found, and what it read', () => {
    const result = runCli(['find', '--bucket', storeUrl, 'reports/r00.csv']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      `object ${REGION} ${names.bucket} reports/r00.csv: in 1 run, last ${runs[0]}`,
    );
    expect(result.stdout).toContain(`  - ${runs[1]} removed`);
    expect(result.stdout).toMatch(
      /searched 2 runs: 2 run indexes read \(.+\), 0 indexed from their snapshots/,
    );
    expect(result.stdout).toMatch(/objects-index parts: 2 read of 8 \(0 shared between runs\)/);
    const none = runCli(['find', '--bucket', storeUrl, '--what', 'function', 'no-such-*']);
    expect(none.status).toBe(1);
    expect(none.stdout).toContain('nothing matches no-such-*');
  });
});

describe('report --runs', () => {
  it('plots the runs, the deletions among them, and flags the run with the mass deletion', async () => {
    const out = join(directory, 'last-runs.html');
    const result = runCli(['report', '--bucket', storeUrl, '--runs', '5', '--out', out]);
    expect(result.status).toBe(0);
    const page = await readFile(out, 'utf8');
    expect(page).not.toMatch(/<(script|link|img|iframe)\b|https?:\/\//);
    const dom = renderInChromium(out);
    const values = (series: string) =>
      [...dom.matchAll(new RegExp(`data-series="${series}" data-value="([^"]*)"`, 'g'))].map(
        (match) => match[1],
      );
    expect(values('objects')).toEqual(['16', '13']);
    expect(values('items')).toEqual(['20', '19']);
    expect(values('functions-deleted')).toEqual(['0', '1']);
    expect(values('triggers-deleted')).toEqual(['0', '1']);
    expect(values('drill')).toEqual(['none', 'none']);
    expect(dom).toMatch(/data-testid="run-count">2</);
    expect(dom).toContain(`${runs[1]}</code>: mass deletion of functions, triggers, objects`);
  });
});
