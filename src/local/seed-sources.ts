import { APIGatewayClient, CreateRestApiCommand } from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client, CreateApiCommand } from '@aws-sdk/client-apigatewayv2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { client } from '../aws/clients.js';
import { createBucket, createStream, createTable, putItems, putObjects, putRecords } from './seeding/data.js';
import { createQueue, createTopic } from './seeding/triggers.js';

/** The sample app's queue and topic (the demo's disaster deletes them by name). */
export const SEEDED_QUEUE = 'order-jobs';
export const SEEDED_TOPIC = 'order-events';

/** The event sources and APIs of the sample app, without functions or wiring. */
export interface SeededSources {
  account: string;
  table: string;
  tableStreamArn: string;
  bucket: string;
  stream: string;
  streamArn: string;
  queueArn: string;
  topicArn: string;
  restApiId: string;
  httpApiId: string;
}

export interface SeedOptions {
  items?: number;
  objects?: number;
  records?: number;
  /** The bucket's name (bucket names are global): default `tv-demo-uploads-<region>`. */
  bucket?: string;
}

/**
 * The sample app's event sources and APIs with their data: a DynamoDB table with a stream, an S3
 * bucket, a Kinesis stream, an SQS queue, an SNS topic, a REST API and an HTTP API. What a data
 * restore (or IaC) re-creates before the functions' triggers are wired again.
 */
export async function seedSources(region: string, options: SeedOptions = {}): Promise<SeededSources> {
  const account = (await client(STSClient, region).send(new GetCallerIdentityCommand({}))).Account as string;
  const rest = await client(APIGatewayClient, region).send(new CreateRestApiCommand({ name: 'orders' }));
  const http = await client(ApiGatewayV2Client, region).send(
    new CreateApiCommand({ Name: 'orders-http', ProtocolType: 'HTTP' }),
  );

  // DynamoDB table with a stream.
  const table = 'orders';
  const description = await createTable(region, {
    name: table,
    key: [
      { name: 'pk', type: 'S' },
      { name: 'sk', type: 'N' },
    ],
    stream: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  });
  await putItems(
    region,
    table,
    options.items ?? 60,
    (index) => ({
      pk: { S: `order#${index}` },
      sk: { N: String(index) },
      total: { N: `${index * 3}.25` },
      tags: { SS: ['new', `r-${region}`] },
      payload: { B: Buffer.from(`bytes-${index}`) },
    }),
    1,
  );

  // S3 bucket with objects.
  const bucket = options.bucket ?? `tv-demo-uploads-${region}`;
  await createBucket(region, bucket);
  await putObjects(
    region,
    bucket,
    Array.from({ length: options.objects ?? 12 }, (_, index) => ({
      key: `uploads/photo ${index}+é.txt`,
      body: `image-${index}`,
      ContentType: 'text/plain',
      Metadata: { camera: `cam-${index}` },
    })),
  );

  const topicArn = await createTopic(region, SEEDED_TOPIC);

  // Kinesis stream with records.
  const stream = 'clickstream';
  const streamArn = await createStream(region, stream, 2);
  await putRecords(
    region,
    stream,
    Array.from({ length: options.records ?? 40 }, (_, index) => ({
      PartitionKey: `user-${index % 7}`,
      Data: Buffer.from(JSON.stringify({ click: index })),
    })),
    100,
  );

  const queueArn = await createQueue(region, SEEDED_QUEUE);

  return {
    account,
    table,
    tableStreamArn: description.LatestStreamArn as string,
    bucket,
    stream,
    streamArn,
    queueArn,
    topicArn,
    restApiId: rest.id as string,
    httpApiId: http.ApiId as string,
  };
}
