import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { client } from '../aws/clients.js';
import { RunCatalog } from '../store/catalog.js';
import { openStore } from '../store/open.js';
import type { RunSummary } from './finalize.js';

const regionOfArn = (arn: string) => arn.split(':')[3] ?? 'us-east-1';
const regionOfQueueUrl = (url: string) =>
  /sqs[.-]([a-z0-9-]+)\.amazonaws/.exec(url)?.[1] ?? process.env.AWS_REGION ?? 'us-east-1';

export interface PublishTargets {
  topicArn?: string;
  deadLetterQueueUrl?: string;
}

/**
 * One dead-letter message per failed item, read from the manifest (the summary that travels
 * between states is capped): enough for `redrive` to re-process exactly that item.
 */
export async function deadLetterMessages(summary: RunSummary) {
  // The manifest Finalize just wrote: unsigned only when the run was made with allowUnsigned.
  const manifest = await new RunCatalog(openStore(summary.store), {
    allowUnsigned: summary.signed === false,
  }).completeManifest(summary.runId);
  return manifest.items
    .filter((item) => item.status === 'failed')
    .map((item) => ({
      runId: summary.runId,
      store: summary.store,
      region: item.region,
      kind: item.kind,
      name: item.name,
      error: `${item.error?.name}: ${item.error?.message}`,
    }));
}

/** Sends one message per failed item; returns the ids SQS gave them. */
async function sendDeadLetters(sqs: SQSClient, queueUrl: string, messages: unknown[]): Promise<Set<string>> {
  const sent = new Set<string>();
  for (let start = 0; start < messages.length; start += 10) {
    const batch = messages.slice(start, start + 10);
    const response = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((message, index) => ({ Id: String(index), MessageBody: JSON.stringify(message) })),
      }),
    );
    if (response.Failed?.length) {
      throw new Error(
        `SQS refused ${response.Failed.length} dead-letter messages: ${response.Failed[0]?.Message}`,
      );
    }
    for (const entry of response.Successful ?? []) if (entry.MessageId) sent.add(entry.MessageId);
  }
  return sent;
}

/** Upper bound on messages one Publish scans, so a huge queue cannot stall the run. */
const SCAN_LIMIT = 10_000;

/**
 * Removes this run's older dead letters (a redrive has just re-processed them; the ones still
 * failing were sent again above), leaving every other run's messages in the queue untouched.
 */
async function settleDeadLetters(
  sqs: SQSClient,
  queueUrl: string,
  runId: string,
  keep: Set<string>,
): Promise<number> {
  const others: { Id: string; ReceiptHandle: string }[] = [];
  let removed = 0;
  for (let scanned = 0; scanned < SCAN_LIMIT; ) {
    const page = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        WaitTimeSeconds: 0,
      }),
    );
    const received = page.Messages ?? [];
    if (received.length === 0) break;
    scanned += received.length;
    for (const message of received) {
      const body = (() => {
        try {
          return JSON.parse(message.Body ?? '') as { runId?: string };
        } catch {
          return {};
        }
      })();
      if (body.runId === runId && !keep.has(message.MessageId ?? '')) {
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
        removed += 1;
      } else {
        others.push({ Id: String(others.length), ReceiptHandle: message.ReceiptHandle ?? '' });
      }
    }
  }
  // Make what we looked at but do not own visible again at once.
  for (let start = 0; start < others.length; start += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: others
          .slice(start, start + 10)
          .map((entry, index) => ({ ...entry, Id: String(index), VisibilityTimeout: 0 })),
      }),
    );
  }
  return removed;
}

/**
 * The Publish state: failed items to the SQS dead-letter queue (this run's earlier dead letters are
 * removed only now, after the manifest that supersedes them is written), then the SNS summary.
 */
export async function publishRun(
  summary: RunSummary,
  targets: PublishTargets,
): Promise<{ published: boolean; deadLettered: number; settled: number }> {
  const messages = await deadLetterMessages(summary);
  let settled = 0;
  if (targets.deadLetterQueueUrl) {
    const sqs = client(SQSClient, regionOfQueueUrl(targets.deadLetterQueueUrl));
    const sent = await sendDeadLetters(sqs, targets.deadLetterQueueUrl, messages);
    settled = await settleDeadLetters(sqs, targets.deadLetterQueueUrl, summary.runId, sent);
  }
  if (targets.topicArn) {
    const failed = summary.totals.failed;
    await client(SNSClient, regionOfArn(targets.topicArn)).send(
      new PublishCommand({
        TopicArn: targets.topicArn,
        Subject:
          `triggervault run ${summary.runId}: ${summary.status}${failed ? ` (${failed} failed)` : ''}`.slice(
            0,
            99,
          ),
        Message: JSON.stringify({ ...summary, failed: summary.failed.slice(0, 50) }, null, 1),
        MessageAttributes: { status: { DataType: 'String', StringValue: summary.status } },
      }),
    );
  }
  return {
    published: Boolean(targets.topicArn),
    deadLettered: targets.deadLetterQueueUrl ? messages.length : 0,
    settled,
  };
}
