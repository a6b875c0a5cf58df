import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseOrThrow } from '../../schemas/common.js';
import { Manifest } from '../../schemas/manifest.js';
import type { WorkItem } from '../../schemas/work-item.js';
import { client } from '../../src/aws/clients.js';
import { type DiscoverInput, regionWork, saveWorkList } from '../../src/backup/discover.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import { manifestKey } from '../../src/store/layout.js';
import { openStore } from '../../src/store/open.js';
import { createTestFunction, unique } from '../helpers/aws.js';

const REGION = 'ap-southeast-6';
const sqs = client(SQSClient, 'us-east-1');
let directory: string;

async function queue(name: string) {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
    .Attributes?.QueueArn as string;
  return { url, arn };
}

async function drain(url: string) {
  const bodies: string[] = [];
  for (;;) {
    const page = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (!page.Messages?.length) return bodies;
    bodies.push(...page.Messages.map((message) => message.Body as string));
  }
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-fail-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
  delete process.env.TRIGGERVAULT_TOPIC_ARN;
  delete process.env.TRIGGERVAULT_DLQ_URL;
});

describe('a failed item', () => {
  it('is recorded, dead-lettered and reported, while the rest of the run completes', async () => {
    // Prepare: one real function, plus one that disappears between Discover and its snapshot
    const kept = await createTestFunction(REGION);
    const vanished = unique('vanished');
    const deadLetters = await queue(unique('tv-dlq'));
    const inbox = await queue(unique('tv-inbox'));
    const topic = (
      await client(SNSClient, 'us-east-1').send(new CreateTopicCommand({ Name: unique('tv-results') }))
    ).TopicArn as string;
    await client(SNSClient, 'us-east-1').send(
      new SubscribeCommand({
        TopicArn: topic,
        Protocol: 'sqs',
        Endpoint: inbox.arn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    process.env.TRIGGERVAULT_TOPIC_ARN = topic;
    process.env.TRIGGERVAULT_DLQ_URL = deadLetters.url;
    // Act
    const { summary } = await runStateMachineLocally(
      'backup.asl.yaml',
      { store: `file://${directory}`, regions: [REGION], include: ['lambda-function'] },
      {
        handlers: {
          // The real Discover's list, plus the vanished function, saved as the work list.
          discover: async (event) => {
            const input = event as DiscoverInput;
            const found = await regionWork(input);
            return saveWorkList(input, [...found, { ...(found[0] as WorkItem), name: vanished }]);
          },
        },
      },
    );
    // Assess
    expect(summary.status).toBe('partial');
    expect(summary.failed).toEqual([
      {
        region: REGION,
        kind: 'lambda-function',
        name: vanished,
        error: expect.stringMatching(/^ResourceNotFoundException: /),
      },
    ]);
    const manifest = parseOrThrow(
      Manifest,
      await openStore(`file://${directory}`).getJson(manifestKey(summary.runId)),
      'manifest',
    );
    expect(manifest.status).toBe('partial');
    expect(manifest.items.find((item) => item.name === kept.name)?.status).toBe('ok');
    const dead = (await drain(deadLetters.url)).map((body) => JSON.parse(body));
    expect(dead).toEqual([
      expect.objectContaining({
        runId: summary.runId,
        region: REGION,
        kind: 'lambda-function',
        name: vanished,
      }),
    ]);
    const published = (await drain(inbox.url)).map((body) => JSON.parse(body));
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      runId: summary.runId,
      status: 'partial',
      totals: { items: 2, failed: 1 },
    });
  });
});
