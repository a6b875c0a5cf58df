import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  LambdaClient,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PolicyInput } from '../../schemas/policy.js';
import { client } from '../../src/aws/clients.js';
import { readManifest } from '../../src/cli/commands.js';
import type { FunctionSnapshot } from '../../src/kinds/lambda-function/format.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import { zipFiles } from '../../src/local/zip.js';
import { base64ToHex } from '../../src/store/hashing.js';
import { openStore } from '../../src/store/open.js';
import { clearListingMemos } from '../../src/triggers/index.js';
import { createTestFunction, unique } from '../helpers/aws.js';

// A region no other test file uses: each run sees exactly the functions made here.
const REGION = 'ap-northeast-3';
const lambda = client(LambdaClient, REGION);
const sqs = (region: string) => client(SQSClient, region);
let directory: string;
let storeUrl: string;
let inbox: string;
let fnA: Awaited<ReturnType<typeof createTestFunction>>;
let fnB: Awaited<ReturnType<typeof createTestFunction>>;
let queueArn: string;
let mappingId: string;
const policy: PolicyInput = { name: 'audited', select: { regions: [REGION], kinds: ['lambda-function'] } };

async function queue(region: string, name: string) {
  const url = (await sqs(region).send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
  const attributes = await sqs(region).send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return { url, arn: attributes.Attributes?.QueueArn as string };
}

const backup = (input: Record<string, unknown>) =>
  runStateMachineLocally('backup.asl.yaml', { store: storeUrl, ...input });

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-audit-'));
  storeUrl = `file://${directory}`;
  fnA = await createTestFunction(REGION, unique('audit-a'));
  fnB = await createTestFunction(REGION, unique('audit-b'));
  queueArn = (await queue(REGION, unique('audit-src'))).arn;
  mappingId = (
    await lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: fnB.name, EventSourceArn: queueArn, BatchSize: 5 }),
    )
  ).UUID as string;
  const results = await queue('us-east-1', unique('audit-inbox'));
  inbox = results.url;
  const sns = client(SNSClient, 'us-east-1');
  const topic = (await sns.send(new CreateTopicCommand({ Name: unique('audit-results') })))
    .TopicArn as string;
  await sns.send(
    new SubscribeCommand({
      TopicArn: topic,
      Protocol: 'sqs',
      Endpoint: results.arn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  process.env.TRIGGERVAULT_TOPIC_ARN = topic;
});

afterAll(async () => {
  delete process.env.TRIGGERVAULT_TOPIC_ARN;
  await rm(directory, { recursive: true, force: true });
});

describe('audit trail: what changed since the previous run', () => {
  let first: string;

  it('has nothing to compare on the first run of a policy', async () => {
    // Act
    const { summary } = await backup({ policy });
    first = summary.runId;
    // Assess
    expect(summary.status).toBe('succeeded');
    const manifest = await readManifest(openStore(storeUrl), first);
    expect(manifest?.policy).toEqual({ name: 'audited' });
    expect(manifest?.changes).toEqual({ functions: [] });
  });

  it('records a code update, a config change and a removed trigger in the manifest and the SNS summary', async () => {
    // Prepare
    const newZip = zipFiles({ 'index.js': 'exports.handler = async () => 2;\n' });
    const updated = await lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: fnA.name, ZipFile: newZip }),
    );
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: fnA.name, Timeout: 42 }));
    await lambda.send(new DeleteEventSourceMappingCommand({ UUID: mappingId }));
    clearListingMemos(); // region-wide trigger listings are reused for 30 s within a process
    // Act
    const { summary } = await backup({ policy });
    // Assess: the manifest
    const manifest = await readManifest(openStore(storeUrl), summary.runId);
    const changes = manifest?.changes;
    expect(changes?.previousRunId).toBe(first);
    expect(changes?.functions.map((change) => change.name).sort()).toEqual([fnA.name, fnB.name].sort());
    const a = changes?.functions.find((change) => change.name === fnA.name);
    expect(a).toMatchObject({
      region: REGION,
      change: 'modified',
      code: { from: base64ToHex(fnA.codeSha256), to: base64ToHex(updated.CodeSha256 as string) },
    });
    expect(a?.config).toContainEqual({ field: 'Timeout', from: 3, to: 42 });
    const b = changes?.functions.find((change) => change.name === fnB.name);
    expect(b).toMatchObject({
      change: 'modified',
      triggers: { added: [], removed: [`event-source-mapping ${queueArn}`] },
    });
    expect(b?.code).toBeUndefined();
    // moto's CloudTrail LookupEvents answers 500: the run says so and goes on (who/when: see the mocked unit test).
    expect(changes?.cloudTrail).toMatchObject({ available: false });
    // Assess: the SNS summary
    const messages: string[] = [];
    for (let attempt = 0; attempt < 5 && messages.length < 2; attempt += 1) {
      const page = await sqs('us-east-1').send(
        new ReceiveMessageCommand({ QueueUrl: inbox, MaxNumberOfMessages: 10 }),
      );
      messages.push(...(page.Messages ?? []).map((message) => message.Body as string));
    }
    const published = messages.map((body) => JSON.parse(body)).find((body) => body.runId === summary.runId);
    expect(published.changes).toMatchObject({ previousRunId: first, total: 2 });
    expect(
      published.changes.functions.find((change: { name: string }) => change.name === fnB.name).triggers
        .removed,
    ).toEqual([`event-source-mapping ${queueArn}`]);
  });

  it('captures only configuration under a config-only policy, and still sees code changes by hash', async () => {
    // Act
    const { summary } = await backup({ policy: { ...policy, name: 'config-only', critical: ['config'] } });
    // Assess
    expect(summary.status).toBe('succeeded');
    const store = openStore(storeUrl);
    const manifest = await readManifest(store, summary.runId);
    const items = manifest?.items ?? [];
    expect(items.map((item) => item.name).sort()).toEqual([fnA.name, fnB.name].sort());
    expect(items.flatMap((item) => item.artifacts.map((artifact) => artifact.role))).toEqual([
      'config',
      'config',
    ]);
    const snapshot = (await store.getJson(items[0]?.artifacts[0]?.path as string)) as FunctionSnapshot;
    expect(snapshot.notCaptured).toEqual(['code', 'triggers']);
    expect(snapshot.code).toEqual({ notCaptured: 'policy' });
    expect(snapshot.configuration.CodeSha256).toBeDefined();
  });
});
