import { randomBytes } from 'node:crypto';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { client } from '../../src/aws/clients.js';
import { mapLimit } from '../../src/concurrency.js';
import { putObjects } from '../../src/local/seeding/data.js';

/** Sample data for the data kinds (tables, buckets, streams) and how tests read it back. */

type Item = Record<string, AttributeValue>;

/** Items using every attribute type, nested, with numbers at full precision and some ~100 KB items. */
export function sampleItems(count: number): Item[] {
  return Array.from({ length: count }, (_, index) => {
    const item: Item = {
      pk: { S: `user#${index % 37}` },
      sk: { N: String(index) },
      text: { S: `ünïcødé ✓ "quoted" \n line ${index}` },
      precise: { N: '12345678901234567890.123456789012345678' },
      negative: { N: `-${index}.000000000000000000000000000001` },
      binary: { B: new Uint8Array(randomBytes(16 + (index % 5))) },
      strings: { SS: ['a', `b${index}`, 'ç'] },
      numbers: { NS: ['1', '-2.5', '99999999999999999999999999999999999999'] },
      binaries: { BS: [new Uint8Array([0]), new Uint8Array([255, 254, index % 256])] },
      list: {
        L: [
          { S: 'x' },
          { N: '1e3' },
          { NULL: true },
          { BOOL: false },
          { L: [] },
          { M: {} },
          { B: new Uint8Array([1, 2]) },
        ],
      },
      map: {
        M: {
          nested: { M: { deep: { SS: ['z'] }, flag: { BOOL: true } } },
          empty: { S: '' },
          nothing: { NULL: true },
        },
      },
      flag: { BOOL: index % 2 === 0 },
      gsiKey: { S: `g${index % 3}` },
    };
    if (index % 50 === 0) {
      item.large = { S: 'L'.repeat(100_000) };
      item.largeBinary = { B: new Uint8Array(randomBytes(60_000)) };
    }
    return item;
  });
}

/** The whole table as one plain Scan sees it, in key order. */
export async function fullScan(region: string, name: string): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await client(DynamoDBClient, region).send(
      new ScanCommand({ TableName: name, ExclusiveStartKey }),
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return sortByKey(items);
}

export const keyOf = (item: Item): string => `${item.pk?.S}|${item.sk?.N}`;
export const sortByKey = (items: Item[]): Item[] =>
  [...items].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));

export interface SourceObject {
  key: string;
  body: Buffer;
  contentType: string;
  metadata: Record<string, string>;
  tags: { Key: string; Value: string }[];
  /** Cache-Control and the like, as PutObject names them. */
  headers?: Record<string, string>;
}

/** Keys that break naive code: spaces, '+', '%', '?', '#', quotes, unicode (BMP above the surrogates and astral), '//'. */
export const TRICKY_KEYS = [
  'plain.txt',
  'with space.txt',
  'plus+sign+.txt',
  'ünïcødé/日本語 ファイル.txt',
  'z-\uE000-private-use.txt',
  'z-😀-emoji.bin',
  'a/b/c/nested.json',
  'percent%2Fliteral%20.txt',
  'question?mark#hash&amp.txt',
  `quote'"<xml>.txt`,
  'double//slash',
  'tilde~ (1).txt',
];

export function sampleObjects(): SourceObject[] {
  return TRICKY_KEYS.map((key, index) => ({
    key,
    body: randomBytes(index === 3 ? 1024 * 1024 : 100 + index * 37),
    contentType: index % 2 ? 'application/json' : 'text/plain; charset=utf-8',
    metadata: (index % 3 ? { owner: `user-${index}`, 'x-note': 'kept as is' } : {}) as Record<string, string>,
    tags:
      index % 4
        ? [
            { Key: 'env', Value: `prod ${index}` },
            { Key: 'team', Value: 'a+b/c' },
          ]
        : [],
  }));
}

const tagging = (tags: SourceObject['tags']) =>
  tags.map((tag) => `${encodeURIComponent(tag.Key)}=${encodeURIComponent(tag.Value)}`).join('&');

/** Puts one sample object (`s3` names the region the bucket is in). */
export async function putObject(s3: S3Client, bucket: string, object: SourceObject): Promise<void> {
  await putObjects(await s3.config.region(), bucket, [
    {
      key: object.key,
      body: object.body,
      ContentType: object.contentType,
      Metadata: object.metadata,
      Tagging: object.tags.length ? tagging(object.tags) : undefined,
      ...object.headers,
    },
  ]);
}

/** A live object as a test compares it: every byte, content type, metadata, headers and tags. */
export async function objectsOf(region: string, bucket: string) {
  const s3 = client(S3Client, region);
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket }))
    keys.push(...(page.Contents ?? []).map((object) => object.Key as string));
  // Bounded: hundreds of objects at once would queue past the clients' connection timeout.
  return mapLimit(keys, 16, async (key) => {
    const [object, head, tags] = await Promise.all([
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
      s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })),
      s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key })),
    ]);
    return {
      key,
      body: Buffer.from(
        await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      ),
      contentType: head.ContentType,
      metadata: head.Metadata,
      cacheControl: head.CacheControl,
      contentDisposition: head.ContentDisposition,
      tags: [...(tags.TagSet ?? [])].sort((a, b) => String(a.Key).localeCompare(String(b.Key))),
    };
  });
}

/** Every record of a stream per partition key, in the order a consumer reads them (shards in id order). */
export async function recordsByKey(region: string, stream: string): Promise<Record<string, string[]>> {
  const kinesis = client(KinesisClient, region);
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const byKey: Record<string, string[]> = {};
  for (const shard of shards.sort((a, b) => String(a.ShardId).localeCompare(String(b.ShardId)))) {
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const record of page.Records ?? []) {
        const key = record.PartitionKey as string;
        byKey[key] = [...(byKey[key] ?? []), Buffer.from(record.Data ?? []).toString()];
      }
      iterator = page.Records?.length ? page.NextShardIterator : undefined;
    }
  }
  return byKey;
}
