import { createHash, randomBytes } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from '@jest/globals';
import { clientConfig, resolveCodeLocation } from '../../src/aws/clients.js';
import { type FaultKind, type LoopbackProxy, startProxy } from '../../src/local/proxy.js';
import { seededRandom } from '../../src/local/proxy-faults.js';
import { restOperation } from '../../src/local/proxy-operations.js';
import { routeByOperation } from '../../src/local/proxy-routes.js';
import { createTestFunction, unique } from '../helpers/aws.js';

// A region no other test file uses, so the listings below see only what this file created.
const REGION = 'eu-south-1';
const emulator = () => process.env.AWS_ENDPOINT_URL as string;

/** An SDK client talking to `endpoint` (the proxy), without touching AWS_ENDPOINT_URL. */
function via<C>(
  Service: new (config: ReturnType<typeof clientConfig>) => C,
  endpoint: string,
  maxAttempts?: number,
): C {
  // With maxAttempts, 'standard' retries: the adaptive mode's client-side rate limiter would slow the
  // calls after each injected throttle, which tests that count outcomes do not need.
  const retries = maxAttempts ? { maxAttempts, retryMode: 'standard' as const } : {};
  return new Service({ ...clientConfig(REGION), endpoint, ...retries } as ReturnType<typeof clientConfig>);
}

const proxies: LoopbackProxy[] = [];
async function proxy(options: Partial<Parameters<typeof startProxy>[0]> = {}): Promise<LoopbackProxy> {
  const started = await startProxy({ target: emulator(), ...options });
  proxies.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((started) => started.stop()));
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('loopback proxy', () => {
  it('listens on 127.0.0.1 only and refuses a target that is not loopback', async () => {
    // Act
    const started = await proxy();
    // Assess
    expect(started.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(startProxy({ target: 'http://10.0.0.1:4566' })).rejects.toThrow(/loopback/);
  });

  it('forwards every request and counts them exactly by service and operation', async () => {
    // Prepare
    const started = await proxy();
    const s3 = via(S3Client, started.endpoint);
    const dynamo = via(DynamoDBClient, started.endpoint);
    const sns = via(SNSClient, started.endpoint);
    const lambda = via(LambdaClient, started.endpoint);
    const bucket = unique('tv-proxy');
    const table = unique('tv-proxy');
    // Act
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const key of ['a', 'b', 'c'])
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body ${key}` }));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'd', CopySource: `${bucket}/a` }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const copied = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'd' }));
    await dynamo.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await dynamo.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'x' } } }));
    await sns.send(new CreateTopicCommand({ Name: unique('tv-proxy') }));
    await sns.send(new ListTopicsCommand({}));
    await lambda.send(new ListFunctionsCommand({}));
    // Assess
    expect(listed.KeyCount).toBe(4);
    expect(await copied.Body?.transformToString()).toBe('body a');
    expect(started.stats()).toEqual({
      requests: 12,
      byService: { s3: 7, dynamodb: 2, sns: 2, lambda: 1 },
      byOperation: {
        's3:CreateBucket': 1,
        's3:PutObject': 3,
        's3:CopyObject': 1,
        's3:ListObjectsV2': 1,
        's3:GetObject': 1,
        'dynamodb:CreateTable': 1,
        'dynamodb:PutItem': 1,
        'sns:CreateTopic': 1,
        'sns:ListTopics': 1,
        'lambda:GET /2015-03-31/functions': 1,
      },
      faults: { total: 0, byKind: {} },
    });
  });

  it('zeroes its counters on reset', async () => {
    // Prepare
    const started = await proxy();
    await via(DynamoDBClient, started.endpoint).send(new ListTablesCommand({}));
    // Act
    started.reset();
    await via(DynamoDBClient, started.endpoint).send(new ListTablesCommand({}));
    // Assess
    expect(started.stats().requests).toBe(1);
    expect(started.stats().byOperation).toEqual({ 'dynamodb:ListTables': 1 });
  });

  it('streams large bodies both ways unchanged', async () => {
    // Prepare
    const started = await proxy({ latencyMs: 5 });
    const s3 = via(S3Client, started.endpoint);
    const bucket = unique('tv-proxy-big');
    const body = randomBytes(12 * 1024 * 1024);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // Act
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'big.bin', Body: body }));
    const read = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
    const bytes = await read.Body?.transformToByteArray();
    // Assess
    expect(bytes?.length).toBe(body.length);
    expect(sha256(bytes as Uint8Array)).toBe(sha256(body));
  });

  it('streams a body through before its end exists, in both directions', async () => {
    // Prepare: an upstream that answers with one chunk, then waits for the client's signal (sent
    // through the proxy, on the request body) before finishing. A proxy that buffered whole bodies
    // would never deliver the first chunk, and this test would time out.
    let release: (() => void) | undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const upstream = createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('first;');
      request.once('data', () => {
        response.end('second');
        release?.();
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const started = await startProxy({
      target: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    });
    proxies.push(started);
    try {
      // Act
      const text = await new Promise<string>((resolve, reject) => {
        const outgoing = httpRequest(`${started.endpoint}/stream`, { method: 'POST' }, (response) => {
          let received = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            received += chunk;
            if (received === 'first;') outgoing.end('go');
          });
          response.on('end', () => resolve(received));
          response.on('error', reject);
        });
        outgoing.on('error', reject);
        outgoing.flushHeaders();
      });
      await released;
      // Assess
      expect(text).toBe('first;second');
    } finally {
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  });

  it('forwards the emulator code-download path and counts it as a code download', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    const started = await proxy();
    const response = await via(LambdaClient, started.endpoint).send(
      new GetFunctionCommand({ FunctionName: fn.name }),
    );
    const location = resolveCodeLocation(response.Code?.Location as string).replace(
      emulator(),
      started.endpoint,
    );
    // Act
    const downloaded = new Uint8Array(await (await fetch(location)).arrayBuffer());
    // Assess
    expect(location.startsWith(`${started.endpoint}/__triggervault/`)).toBe(true);
    expect(Buffer.from(downloaded).equals(Buffer.from(fn.zip))).toBe(true);
    expect(started.stats().byOperation).toEqual({
      'lambda:GET /2015-03-31/functions/{}': 1,
      'triggervault:CodeDownload': 1,
    });
  });

  it('adds at least the configured delay to every request', async () => {
    // Prepare
    const started = await proxy({ latencyMs: 40 });
    const dynamo = via(DynamoDBClient, started.endpoint);
    await dynamo.send(new ListTablesCommand({}));
    // Act
    const began = performance.now();
    for (let index = 0; index < 5; index += 1) await dynamo.send(new ListTablesCommand({}));
    const elapsed = performance.now() - began;
    // Assess: a generous lower bound only (timer granularity), never an upper bound.
    expect(elapsed).toBeGreaterThanOrEqual(5 * 40 * 0.9);
    expect(started.stats().requests).toBe(6);
  });

  it('injects the same faults for the same seed and request sequence', async () => {
    // Prepare
    const faults = { rate: 0.4, kinds: ['500', '503', 'throttle', 'reset'] as FaultKind[], seed: 42 };
    const outcomes = async (started: LoopbackProxy) => {
      const dynamo = via(DynamoDBClient, started.endpoint, 1);
      const seen: string[] = [];
      for (let index = 0; index < 25; index += 1) {
        try {
          await dynamo.send(new ListTablesCommand({}));
          seen.push('ok');
        } catch (error) {
          seen.push((error as Error).name);
        }
      }
      return seen;
    };
    const first = await proxy({ faults });
    const second = await proxy({ faults });
    const other = await proxy({ faults: { ...faults, seed: 7 } });
    // Act
    const firstSeen = await outcomes(first);
    const secondSeen = await outcomes(second);
    await outcomes(other);
    // Assess
    expect(secondSeen).toEqual(firstSeen);
    expect(second.faultLog()).toEqual(first.faultLog());
    expect(other.faultLog()).not.toEqual(first.faultLog());
    expect(first.faultLog().length).toBeGreaterThan(0);
    expect(firstSeen.filter((outcome) => outcome !== 'ok').length).toBe(first.stats().faults.total);
    const expectedKinds = first.faultLog().map((fault) => fault.kind);
    const random = seededRandom(42);
    const drawn: FaultKind[] = [];
    for (let index = 0; index < 25; index += 1) {
      const hit = random() < faults.rate;
      const kind = faults.kinds[Math.floor(random() * faults.kinds.length)] as FaultKind;
      if (hit) drawn.push(kind);
    }
    expect(expectedKinds).toEqual(drawn);
  });

  it('answers throttling the way each service does', async () => {
    // Prepare
    const throttle = { rate: 1, kinds: ['throttle'] as FaultKind[], seed: 1 };
    const errorOf = async (call: () => Promise<unknown>) => {
      try {
        await call();
        return undefined;
      } catch (error) {
        const e = error as Error & { $metadata?: { httpStatusCode?: number } };
        return { name: e.name, status: e.$metadata?.httpStatusCode };
      }
    };
    const started = await proxy({ faults: throttle });
    const slowdown = await proxy({ faults: { ...throttle, kinds: ['slowdown'] } });
    const failing = await proxy({ faults: { ...throttle, kinds: ['500'] } });
    const unavailable = await proxy({ faults: { ...throttle, kinds: ['503'] } });
    // Act
    const dynamo = await errorOf(() =>
      via(DynamoDBClient, started.endpoint, 1).send(new ListTablesCommand({})),
    );
    const kinesis = await errorOf(() =>
      via(KinesisClient, started.endpoint, 1).send(new ListStreamsCommand({})),
    );
    const s3 = await errorOf(() =>
      via(S3Client, slowdown.endpoint, 1).send(new ListObjectsV2Command({ Bucket: 'any-bucket' })),
    );
    const lambda = await errorOf(() =>
      via(LambdaClient, started.endpoint, 1).send(new ListFunctionsCommand({})),
    );
    const sns = await errorOf(() => via(SNSClient, started.endpoint, 1).send(new ListTopicsCommand({})));
    const internal = await errorOf(() =>
      via(DynamoDBClient, failing.endpoint, 1).send(new ListTablesCommand({})),
    );
    const s3Internal = await errorOf(() =>
      via(S3Client, failing.endpoint, 1).send(new ListObjectsV2Command({ Bucket: 'any-bucket' })),
    );
    const down = await errorOf(() =>
      via(DynamoDBClient, unavailable.endpoint, 1).send(new ListTablesCommand({})),
    );
    // Assess
    expect(dynamo).toEqual({ name: 'ProvisionedThroughputExceededException', status: 400 });
    expect(kinesis).toEqual({ name: 'ProvisionedThroughputExceededException', status: 400 });
    expect(s3).toEqual({ name: 'SlowDown', status: 503 });
    expect(lambda).toEqual({ name: 'TooManyRequestsException', status: 429 });
    expect(sns).toEqual({ name: 'Throttling', status: 400 });
    expect(internal).toEqual({ name: 'InternalFailure', status: 500 });
    expect(s3Internal).toEqual({ name: 'InternalError', status: 500 });
    expect(down).toEqual({ name: 'ServiceUnavailable', status: 503 });
  });

  it('injects faults only into the services it is told to', async () => {
    // Prepare
    const started = await proxy({
      faults: { rate: 1, kinds: ['500'], services: ['kinesis'], seed: 3 },
    });
    // Act
    const tables = await via(DynamoDBClient, started.endpoint, 1).send(new ListTablesCommand({}));
    const streams = via(KinesisClient, started.endpoint, 1).send(new ListStreamsCommand({}));
    // Assess
    expect(tables.TableNames).toBeDefined();
    await expect(streams).rejects.toMatchObject({ name: 'InternalFailure' });
    expect(started.stats().faults).toEqual({ total: 1, byKind: { '500': 1 } });
  });

  it('lets the AWS SDK retry through injected throttles, errors and resets and succeed', async () => {
    // Prepare
    const started = await proxy({
      faults: { rate: 0.3, kinds: ['throttle', '500', '503', 'reset', 'slowdown'], seed: 2024 },
    });
    const dynamo = via(DynamoDBClient, started.endpoint);
    const kinesis = via(KinesisClient, started.endpoint);
    const s3 = via(S3Client, started.endpoint);
    const table = unique('tv-proxy-retry');
    const bucket = unique('tv-proxy-retry');
    const stream = unique('tv-proxy-retry');
    // Act
    await dynamo.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    for (let index = 0; index < 10; index += 1) {
      await dynamo.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `item-${index}` } } }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `key-${index}`, Body: `value-${index}` }));
    }
    const items = [];
    for (let index = 0; index < 10; index += 1) {
      const got = await dynamo.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: `item-${index}` } } }),
      );
      items.push(got.Item?.pk?.S);
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const description = await dynamo.send(new DescribeTableCommand({ TableName: table }));
    const stats = started.stats();
    // Assess
    expect(items).toEqual(Array.from({ length: 10 }, (_, index) => `item-${index}`));
    expect(listed.KeyCount).toBe(10);
    expect(description.Table?.TableName).toBe(table);
    expect(stats.faults.total).toBeGreaterThan(0);
    // Every fault cost exactly one more attempt: 35 successful calls plus one retry per fault.
    expect(stats.requests).toBe(35 + stats.faults.total);
  });
});

describe('REST operation templates', () => {
  it('keeps collections and replaces identifiers after the API version', () => {
    expect(restOperation('GET', '/2015-03-31/functions/my-fn/policy')).toBe(
      'GET /2015-03-31/functions/{}/policy',
    );
    expect(restOperation('GET', '/2018-10-31/layers/shared/versions/3')).toBe(
      'GET /2018-10-31/layers/{}/versions/{}',
    );
    expect(restOperation('GET', '/v2/apis/abc123/integrations')).toBe('GET /v2/apis/{}/integrations');
    expect(restOperation('GET', '/2015-03-31/functions/')).toBe('GET /2015-03-31/functions/');
  });
});

describe('routing by operation', () => {
  /** A fake backend that records what it received and answers `status` with its own name. */
  interface Fake {
    url: string;
    seen: { method: string; path: string; body: string }[];
    status: number;
    close(): Promise<void>;
  }
  const fakes: Fake[] = [];
  async function fake(name: string): Promise<Fake> {
    const state: Fake = { url: '', seen: [], status: 200, close: async () => undefined };
    const server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => {
        state.seen.push({ method: request.method ?? '', path: request.url ?? '', body });
        response.writeHead(state.status, { 'content-type': 'text/plain' });
        response.end(name);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
    fakes.push(state);
    return state;
  }
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((entry) => entry.close()));
  });

  /** A request shaped as the SDK signs it: the credential scope names the service. */
  const send = async (
    endpoint: string,
    service: string,
    method: string,
    path: string,
    options: { target?: string; body?: string; headers?: Record<string, string> } = {},
  ) => {
    const response = await fetch(`${endpoint}${path}`, {
      method,
      body: options.body,
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=testing/20261130/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
        ...(options.target ? { 'x-amz-target': options.target } : {}),
        ...options.headers,
      },
    });
    return { status: response.status, text: await response.text() };
  };

  async function routed() {
    const moto = await fake('moto');
    const fauxqs = await fake('fauxqs');
    const dynalite = await fake('dynalite');
    const kinesalite = await fake('kinesalite');
    const started = await proxy({
      target: moto.url,
      routing: routeByOperation({
        s3Objects: fauxqs.url,
        dynamoScan: dynalite.url,
        kinesisReads: kinesalite.url,
      }),
    });
    return { moto, fauxqs, dynalite, kinesalite, started };
  }

  it('sends S3 object operations and listings to the object backend, bucket and object configuration to moto', async () => {
    // Prepare
    const { moto, fauxqs, started } = await routed();
    const copy = { 'x-amz-copy-source': '/src/a.txt' };
    // Act
    const answers = [
      await send(started.endpoint, 's3', 'GET', '/src?list-type=2'),
      await send(started.endpoint, 's3', 'PUT', '/dst/a.txt', { headers: copy }),
      await send(started.endpoint, 's3', 'PUT', '/dst/b.txt', { body: 'b' }),
      await send(started.endpoint, 's3', 'HEAD', '/dst/b.txt'),
      await send(started.endpoint, 's3', 'PUT', '/dst/big?partNumber=1&uploadId=u', { headers: copy }),
      await send(started.endpoint, 's3', 'GET', '/src?versioning'),
      await send(started.endpoint, 's3', 'GET', '/src?tagging'),
      await send(started.endpoint, 's3', 'GET', '/src/a.txt?tagging'),
      await send(started.endpoint, 's3', 'PUT', '/src/a.txt?tagging', { body: '<Tagging/>' }),
      await send(started.endpoint, 's3', 'GET', '/src?uploads'),
      await send(started.endpoint, 's3', 'GET', '/'),
    ];
    // Assess
    expect(answers.map((answer) => answer.text)).toEqual([
      'fauxqs',
      'fauxqs',
      'fauxqs',
      '',
      'fauxqs',
      'moto',
      'moto',
      'moto',
      'moto',
      'moto',
      'moto',
    ]);
    expect(fauxqs.seen.map((entry) => `${entry.method} ${entry.path}`)).toEqual([
      'GET /src?list-type=2',
      'PUT /dst/a.txt',
      'PUT /dst/b.txt',
      'HEAD /dst/b.txt',
      'PUT /dst/big?partNumber=1&uploadId=u',
    ]);
    expect(moto.seen).toHaveLength(6);
    expect(started.stats().byBackend).toEqual({ fauxqs: 5, default: 6 });
    expect(started.stats().byOperation['s3:GetObjectTagging']).toBe(1);
    expect(started.stats().byOperation['s3:PutObjectTagging']).toBe(1);
  });

  it('creates buckets and tables in both backends, answering with moto', async () => {
    // Prepare
    const { moto, fauxqs, dynalite, started } = await routed();
    const table = '{"TableName":"t"}';
    // Act
    const bucket = await send(started.endpoint, 's3', 'PUT', '/new-bucket', { body: '<Create/>' });
    const created = await send(started.endpoint, 'dynamodb', 'POST', '/', {
      target: 'DynamoDB_20120810.CreateTable',
      body: table,
    });
    const written = await send(started.endpoint, 'dynamodb', 'POST', '/', {
      target: 'DynamoDB_20120810.BatchWriteItem',
      body: '{"RequestItems":{}}',
    });
    const scanned = await send(started.endpoint, 'dynamodb', 'POST', '/', {
      target: 'DynamoDB_20120810.Scan',
      body: table,
    });
    const described = await send(started.endpoint, 'dynamodb', 'POST', '/', {
      target: 'DynamoDB_20120810.DescribeTable',
      body: table,
    });
    // Assess
    expect([bucket, created, written, scanned, described].map((answer) => answer.text)).toEqual([
      'moto',
      'moto',
      'moto',
      'dynalite',
      'moto',
    ]);
    expect(fauxqs.seen).toEqual([{ method: 'PUT', path: '/new-bucket', body: '<Create/>' }]);
    expect(dynalite.seen.map((entry) => entry.body)).toEqual([table, '{"RequestItems":{}}', table]);
    expect(moto.seen.map((entry) => entry.body)).toEqual(['<Create/>', table, '{"RequestItems":{}}', table]);
  });

  it('fails a mirrored request loudly when the mirror disagrees, and does not mirror a failure', async () => {
    // Prepare
    const { moto, fauxqs, started } = await routed();
    fauxqs.status = 500;
    // Act
    const disagreed = await send(started.endpoint, 's3', 'PUT', '/bucket-a');
    moto.status = 409;
    const refused = await send(started.endpoint, 's3', 'PUT', '/bucket-b');
    // Assess
    expect(disagreed.status).toBe(502);
    expect(disagreed.text).toMatch(/CreateBucket succeeded on default but fauxqs answered 500/);
    expect(refused).toEqual({ status: 409, text: 'moto' });
    expect(fauxqs.seen.map((entry) => entry.path)).toEqual(['/bucket-a']);
  });

  it('sends Kinesis reads to the stream backend and mirrors stream writes', async () => {
    // Prepare
    const { moto, kinesalite, started } = await routed();
    const kinesis = (operation: string) =>
      send(started.endpoint, 'kinesis', 'POST', '/', {
        target: `Kinesis_20131202.${operation}`,
        body: '{}',
      });
    // Act
    const answers = [
      await kinesis('CreateStream'),
      await kinesis('PutRecords'),
      await kinesis('ListShards'),
      await kinesis('GetShardIterator'),
      await kinesis('GetRecords'),
    ];
    // Assess
    expect(answers.map((answer) => answer.text)).toEqual([
      'moto',
      'moto',
      'moto',
      'kinesalite',
      'kinesalite',
    ]);
    expect(moto.seen).toHaveLength(3);
    expect(kinesalite.seen).toHaveLength(4);
  });

  it('keeps everything on the target without routing, and Query-protocol requests on it with routing', async () => {
    // Prepare
    const { moto, started } = await routed();
    // Act
    const answer = await send(started.endpoint, 'sns', 'POST', '/', {
      body: 'Action=ListTopics&Version=2010-03-31',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    // Assess
    expect(answer.text).toBe('moto');
    expect(moto.seen).toHaveLength(1);
    expect(started.stats().byOperation).toEqual({ 'sns:ListTopics': 1 });
  });
});
