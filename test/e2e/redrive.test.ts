import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseOrThrow } from '../../schemas/common.js';
import { Manifest } from '../../schemas/manifest.js';
import { client } from '../../src/aws/clients.js';
import { TransientAwsError } from '../../src/errors.js';
import { LOCAL_HANDLERS } from '../../src/local/handlers.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import { manifestKey } from '../../src/store/layout.js';
import { openStore } from '../../src/store/open.js';
import { createTestFunction, unique } from '../helpers/aws.js';

const REGION = 'us-west-1';
const sqs = client(SQSClient, 'us-east-1');
let directory: string;
let queueUrl: string;

const visibleMessages = async () =>
  (
    await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    )
  ).Messages ?? [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-redrive-'));
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: unique('tv-redrive-dlq') })))
    .QueueUrl as string;
  process.env.TRIGGERVAULT_DLQ_URL = queueUrl;
});
afterAll(async () => {
  delete process.env.TRIGGERVAULT_DLQ_URL;
  await rm(directory, { recursive: true, force: true });
});

describe('redrive', () => {
  it('re-processes a dead-lettered item, then empties the queue and completes the manifest', async () => {
    // Prepare: two functions; the snapshot of one keeps failing until retries are exhausted
    const healthy = await createTestFunction(REGION);
    const flaky = await createTestFunction(REGION);
    const snapshot = LOCAL_HANDLERS['backup-lambda-function'] as (
      event: unknown,
      context: unknown,
    ) => Promise<unknown>;
    const first = await runStateMachineLocally(
      'backup.asl.yaml',
      { store: `file://${directory}`, regions: [REGION], include: ['lambda-function'] },
      {
        retryIntervalMs: 1,
        handlers: {
          'backup-lambda-function': async (event, context) => {
            if ((event as { name: string }).name === flaky.name)
              throw new TransientAwsError('injected: throttled');
            return snapshot(event, context);
          },
        },
      },
    );
    expect(first.summary.status).toBe('partial');
    const dead = await visibleMessages();
    expect(dead.map((message) => JSON.parse(message.Body as string).name)).toEqual([flaky.name]);
    // Act
    const second = await runStateMachineLocally('backup.asl.yaml', {
      store: `file://${directory}`,
      redrive: { runId: first.summary.runId },
    });
    // Assess
    expect(second.summary.runId).toBe(first.summary.runId);
    expect(second.summary.status).toBe('succeeded');
    expect(second.summary.totals).toMatchObject({ items: 2, failed: 0 });
    expect(await visibleMessages()).toEqual([]);
    const manifest = parseOrThrow(
      Manifest,
      await openStore(`file://${directory}`).getJson(manifestKey(first.summary.runId)),
      'manifest',
    );
    expect(manifest.status).toBe('succeeded');
    expect(manifest.items.map((item) => [item.name, item.status]).sort()).toEqual(
      [
        [healthy.name, 'ok'],
        [flaky.name, 'ok'],
      ].sort(),
    );
  });
});
