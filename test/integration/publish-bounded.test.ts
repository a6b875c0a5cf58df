import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client } from '../../src/aws/clients.js';
import type { RunSummary } from '../../src/backup/finalize.js';
import { publishRun } from '../../src/backup/publish.js';
import { unique } from '../helpers/aws.js';

// Publish's work does not grow with the failures or with the dead-letter queue: at most 100 listed
// failures plus one overflow message are sent, and at most a fixed number of queued messages are
// scanned, none once its deadline is near. Messages of other runs are made visible again.

const sqs = client(SQSClient, 'us-east-1');
/** The scan limit is 1,000 messages; 50 here (TRIGGERVAULT_DLQ_SCAN_LIMIT) keeps moto quick. */
const LIMIT = 50;
const FOREIGN = 80;

beforeAll(() => {
  process.env.TRIGGERVAULT_DLQ_SCAN_LIMIT = String(LIMIT);
});
afterAll(() => {
  delete process.env.TRIGGERVAULT_DLQ_SCAN_LIMIT;
});

async function queueWith(foreign: number): Promise<string> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: unique('tv-dlq-bounded') })))
    .QueueUrl as string;
  for (let start = 0; start < foreign; start += 10)
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: Math.min(10, foreign - start) }, (_, index) => ({
          Id: String(index),
          MessageBody: JSON.stringify({ runId: 'another-run', name: `fn-${start + index}` }),
        })),
      }),
    );
  return url;
}

const visible = async (url: string) =>
  Number(
    (
      await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
      )
    ).Attributes?.ApproximateNumberOfMessages,
  );

const summary = (failed: number): RunSummary => ({
  runId: '20260102T000000Z-00beef',
  store: 'file:///nowhere',
  status: 'partial',
  signed: true,
  totals: { items: failed + 10, failed, artifacts: 0, bytes: 0 },
  regions: {},
  failed: Array.from({ length: Math.min(100, failed) }, (_, index) => ({
    region: 'eu-west-1',
    kind: 'lambda-function',
    name: `broken-${index}`,
    error: 'AccessDeniedException: no',
  })),
  damaged: [],
});

describe('Publish', () => {
  it('sends at most 100 dead letters and one overflow message, and scans no more than its limit', async () => {
    // Prepare
    const url = await queueWith(FOREIGN);
    // Act
    const outcome = await publishRun(summary(250), { deadLetterQueueUrl: url });
    // Assess
    expect(outcome).toMatchObject({ deadLettered: 101, settled: 0, scanned: LIMIT, scanComplete: false });
    expect(await visible(url)).toBe(FOREIGN + 101);
    const sample = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(sample.Messages?.length).toBeGreaterThan(0);
  });

  it('scans nothing once its deadline is near', async () => {
    // Prepare
    const url = await queueWith(20);
    // Act: 20 s left is Publish's margin: no time to scan
    const outcome = await publishRun(summary(1), { deadLetterQueueUrl: url }, { remainingMs: 20_000 });
    // Assess
    expect(outcome).toMatchObject({ deadLettered: 1, scanned: 0, scanComplete: false });
    expect(await visible(url)).toBe(21);
  });
});
