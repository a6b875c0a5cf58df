import { randomBytes } from 'node:crypto';
import { KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { client } from '../../src/aws/clients.js';
import { mapLimit } from '../../src/concurrency.js';
import {
  createBucket,
  createStream,
  createTable,
  putItems,
  putObjects,
  putRecords,
} from '../../src/local/seeding/data.js';
import {
  createAlias,
  createFunction,
  lambdaRole,
  publishLayer,
  publishVersions,
} from '../../src/local/seeding/lambda.js';
import {
  createQueue,
  createTopic,
  mapEventSource,
  notifyFunctions,
  scheduleFunction,
  subscribeFunction,
} from '../../src/local/seeding/triggers.js';

/**
 * Bench data, made with the seeding primitives the demo and the tests use (src/local/seeding),
 * through the bench's direct routing proxy (seeding is not measured). Names are deterministic so
 * the sections can find their data.
 */

const SEED_CONCURRENCY = 8;

export { createBucket as ensureBucket, emptyBucket } from '../../src/local/seeding/data.js';

export interface SeededFunctions {
  region: string;
  names: string[];
  /** How many functions got each trigger type. */
  triggers: Record<string, number>;
}

const TRIGGER_TYPES = ['sqs-mapping', 's3-notification', 'sns-subscription', 'eventbridge-rule'] as const;

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
  const role = await lambdaRole('triggervault-bench');
  const layer = await publishLayer(region, `${prefix}-shared`, {
    'nodejs/node_modules/shared/index.js': 'module.exports = 1;\n',
  });
  const names = Array.from({ length: count }, (_, index) => `${prefix}-${String(index).padStart(4, '0')}`);
  const groups = Array.from({ length: Math.ceil(count / 10) }, (_, g) => g);
  const group = (index: number) => Math.floor(index / 10);
  const bucketName = (g: number) => `${prefix}-notify-${region}-${g}`.toLowerCase();
  const queues = new Map<number, string>();
  const topics = new Map<number, string>();
  await mapLimit(groups, SEED_CONCURRENCY, async (g) => {
    await createBucket(region, bucketName(g));
    topics.set(g, await createTopic(region, `${prefix}-topic-${g}`));
    queues.set(g, await createQueue(region, `${prefix}-queue-${g}`));
  });
  const source = (name: string, version: number) => ({
    'index.js': `// ${name} v${version}\nexports.handler = async (event) => ({ fn: '${name}', v: ${version}, n: (event.Records || []).length });\n`,
  });
  const arns: string[] = new Array(count);
  await mapLimit(names, SEED_CONCURRENCY, async (name, index) => {
    const created = await createFunction(region, {
      name,
      role,
      files: source(name, 1),
      settings: { Layers: [layer], Environment: { Variables: { FUNCTION: name } }, Tags: { app: 'bench' } },
    });
    arns[index] = created.arn;
    await publishVersions(region, name, [{}, { files: source(name, 2) }]);
    await createAlias(region, { FunctionName: name, Name: 'live', FunctionVersion: '2' });
    const g = group(index);
    switch (TRIGGER_TYPES[index % 4]) {
      case 'sqs-mapping':
        await mapEventSource(region, { FunctionName: name, EventSourceArn: queues.get(g), BatchSize: 10 });
        break;
      case 's3-notification':
        // One configuration per bucket names every function of its group (below).
        break;
      case 'sns-subscription':
        await subscribeFunction(region, topics.get(g) as string, created.arn, 'sns-topic');
        break;
      default:
        await scheduleFunction(
          region,
          { name: `${name}-schedule`, schedule: 'rate(1 hour)' },
          { Id: 'fn', Arn: created.arn },
          'events-rule',
        );
    }
  });
  // One notification configuration per bucket, naming every function of its group that has one.
  await mapLimit(groups, SEED_CONCURRENCY, async (g) => {
    const configurations = names
      .map((name, index) => ({ name, index }))
      .filter(({ index }) => group(index) === g && TRIGGER_TYPES[index % 4] === 's3-notification')
      .map(({ name, index }) => ({
        Id: `${name}-uploads`,
        LambdaFunctionArn: arns[index],
        Events: ['s3:ObjectCreated:*' as const],
        Filter: { Key: { FilterRules: [{ Name: 'prefix' as const, Value: `${name}/` }] } },
      }));
    if (configurations.length > 0) await notifyFunctions(region, bucketName(g), configurations, 's3-notify');
  });
  const triggers: Record<string, number> = {};
  names.forEach((_, index) => {
    const kind = TRIGGER_TYPES[index % 4] as string;
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
  await createBucket(region, bucket);
  const objects = [
    ...Array.from({ length: shape.small }, (_, index) => ({
      key: `small/${String(index).padStart(6, '0')}.bin`,
      bytes: shape.smallBytes,
    })),
    ...Array.from({ length: shape.large }, (_, index) => ({
      key: `large/${String(index).padStart(3, '0')}.bin`,
      bytes: shape.largeBytes,
    })),
  ];
  // Bodies are made as they are sent (20 × 8 MB at once would be 160 MB of memory).
  await mapLimit(objects, 16, ({ key, bytes }) =>
    putObjects(region, bucket, [
      {
        key,
        body: randomBytes(bytes),
        ContentType: 'application/octet-stream',
        Metadata: { seeded: 'bench' },
      },
    ]),
  );
  return objects.map(({ key }) => key);
}

/** A table of `items` items of about `itemBytes` each, loaded with BatchWriteItem in parallel. */
export async function seedTable(
  region: string,
  table: string,
  items: number,
  options: { itemBytes?: number; pitr?: boolean } = {},
): Promise<void> {
  await createTable(region, { name: table, key: [{ name: 'pk', type: 'S' }], pitr: options.pitr });
  const payloadBytes = Math.max(1, (options.itemBytes ?? 1024) - 60);
  await putItems(region, table, items, (index) => ({
    pk: { S: `item#${String(index).padStart(7, '0')}` },
    n: { N: String(index) },
    payload: {
      S: randomBytes(Math.ceil(payloadBytes / 2))
        .toString('hex')
        .slice(0, payloadBytes),
    },
  }));
}

/** A stream of `shards` shards holding `perShard` records of `recordBytes` each, placed shard by shard. */
export async function seedStream(
  region: string,
  stream: string,
  shards: number,
  perShard: number,
  recordBytes = 200,
): Promise<void> {
  await createStream(region, stream, shards);
  const listed =
    (await client(KinesisClient, region).send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  for (const shard of listed) {
    await putRecords(
      region,
      stream,
      Array.from({ length: perShard }, (_, index) => ({
        PartitionKey: `key-${index}`,
        ExplicitHashKey: shard.HashKeyRange?.StartingHashKey,
        Data: randomBytes(recordBytes),
      })),
    );
  }
}
