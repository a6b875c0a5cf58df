import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  type TableDescription,
  UpdateContinuousBackupsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { client } from '../../aws/clients.js';
import { mapLimit } from '../../concurrency.js';

/**
 * Seeding primitives for the data kinds, shared by the demo (src/local), the bench and the tests: a
 * bucket with objects, a table with items, a stream with records.
 */

/** Creates a bucket in `region`; an existing bucket of ours is fine. */
export async function createBucket(region: string, bucket: string): Promise<void> {
  try {
    await client(S3Client, region).send(
      new CreateBucketCommand({
        Bucket: bucket,
        CreateBucketConfiguration:
          region === 'us-east-1' ? undefined : { LocationConstraint: region as BucketLocationConstraint },
      }),
    );
  } catch (error) {
    const name = (error as Error).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
}

/** One object: its key, bytes and the rest of what PutObject takes (content type, metadata, tagging, …). */
export type SeedObject = { key: string; body: Uint8Array | string } & Omit<
  PutObjectCommandInput,
  'Bucket' | 'Key' | 'Body'
>;

/** Puts `objects` into the bucket, `concurrency` at a time. */
export async function putObjects(
  region: string,
  bucket: string,
  objects: SeedObject[],
  concurrency = 16,
): Promise<void> {
  const s3 = client(S3Client, region);
  await mapLimit(objects, concurrency, async ({ key, body, ...rest }) => {
    await s3.send(new PutObjectCommand({ ...rest, Bucket: bucket, Key: key, Body: body }));
  });
}

/** Deletes every object under `prefix` (1,000 per request); returns how many. */
export async function emptyBucket(region: string, bucket: string, prefix?: string): Promise<number> {
  const s3 = client(S3Client, region);
  let deleted = 0;
  for (;;) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const keys = (page.Contents ?? []).map((object) => ({ Key: object.Key as string }));
    if (keys.length === 0) return deleted;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    deleted += keys.length;
  }
}

export interface TableSpec {
  name: string;
  /** Key attributes: the hash key, then optionally the range key, each with its type. */
  key: [{ name: string; type: 'S' | 'N' | 'B' }, { name: string; type: 'S' | 'N' | 'B' }?];
  stream?: CreateTableCommandInput['StreamSpecification'];
  pitr?: boolean;
}

/** An on-demand table (with a stream and point-in-time recovery when asked); returns its description. */
export async function createTable(region: string, spec: TableSpec): Promise<TableDescription> {
  const dynamo = client(DynamoDBClient, region);
  const keys = spec.key.filter((entry) => entry !== undefined);
  const created = await dynamo.send(
    new CreateTableCommand({
      TableName: spec.name,
      AttributeDefinitions: keys.map((entry) => ({ AttributeName: entry.name, AttributeType: entry.type })),
      KeySchema: keys.map((entry, index) => ({
        AttributeName: entry.name,
        KeyType: index === 0 ? 'HASH' : 'RANGE',
      })),
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: spec.stream,
    }),
  );
  if (spec.pitr)
    await dynamo.send(
      new UpdateContinuousBackupsCommand({
        TableName: spec.name,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
  return created.TableDescription as TableDescription;
}

type Item = Record<string, AttributeValue>;

/**
 * Writes `count` items made by `item(index)` with BatchWriteItem (25 per request, `concurrency` in
 * flight), sending unprocessed items again until none is left.
 */
export async function putItems(
  region: string,
  table: string,
  count: number,
  item: (index: number) => Item,
  concurrency = 8,
): Promise<void> {
  const dynamo = client(DynamoDBClient, region);
  const batches = Array.from({ length: Math.ceil(count / 25) }, (_, batch) => batch);
  await mapLimit(batches, concurrency, async (batch) => {
    let requests = Array.from({ length: Math.min(25, count - batch * 25) }, (_, offset) => ({
      PutRequest: { Item: item(batch * 25 + offset) },
    }));
    while (requests.length > 0) {
      const response = await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
      requests = (response.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  });
}

/** A provisioned stream of `shards` shards; returns its ARN. */
export async function createStream(region: string, name: string, shards: number): Promise<string> {
  const kinesis = client(KinesisClient, region);
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
  return summary.StreamDescriptionSummary?.StreamARN as string;
}

/**
 * Puts `records` in order, `batch` per PutRecords, one request at a time: moto numbers a shard's
 * records "highest + 1" without a lock, so overlapping batches overwrite each other (seen with 4 in
 * flight: 4,992 of 5,000 records kept). Fails when a record was not accepted.
 */
export async function putRecords(
  region: string,
  stream: string,
  records: PutRecordsRequestEntry[],
  batch = 500,
): Promise<void> {
  const kinesis = client(KinesisClient, region);
  for (let start = 0; start < records.length; start += batch) {
    const response = await kinesis.send(
      new PutRecordsCommand({ StreamName: stream, Records: records.slice(start, start + batch) }),
    );
    if (response.FailedRecordCount)
      throw new Error(`${stream}: ${response.FailedRecordCount} records of a PutRecords were not accepted`);
  }
}
