import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { client } from '../aws/clients.js';
import type { PolicyOutcome } from '../policy/finalize-policy.js';
import type { RunSummary } from './finalize.js';

const regionOfArn = (arn: string) => arn.split(':')[3] ?? 'us-east-1';
const regionOfQueueUrl = (url: string) =>
  /sqs[.-]([a-z0-9-]+)\.amazonaws/.exec(url)?.[1] ?? process.env.AWS_REGION ?? 'us-east-1';

export interface PublishTargets {
  topicArn?: string;
  deadLetterQueueUrl?: string;
}

/**
 * The dead letters of a run: one per failed item the summary names (Finalize caps that list at
 * 100, the summary travels between states), and when more items failed, one more message saying
 * how many are not listed. A redrive re-processes every failed item of the run from the store, not
 * from these messages: they alert. So Publish's work is bounded whatever the number of failures.
 */
export function deadLetterMessages(summary: RunSummary): unknown[] {
  const messages: unknown[] = summary.failed.map((item) => ({
    runId: summary.runId,
    store: summary.store,
    region: item.region,
    kind: item.kind,
    name: item.name,
    error: item.error,
  }));
  const unlisted = summary.totals.failed - summary.failed.length;
  if (unlisted > 0)
    messages.push({
      runId: summary.runId,
      store: summary.store,
      unlisted,
      error: `${unlisted} more failed items are not listed here: see the run's manifest; redrive re-processes them all`,
    });
  return messages;
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

/**
 * Upper bound on messages one Publish scans (100 receives of 10), so a huge queue cannot stall the
 * run; TRIGGERVAULT_DLQ_SCAN_LIMIT lowers it (tests).
 */
const scanLimit = (): number => {
  const value = Number(process.env.TRIGGERVAULT_DLQ_SCAN_LIMIT);
  return Number.isInteger(value) && value > 0 ? Math.min(value, 1_000) : 1_000;
};

/** What the scan of the queue did: it stops at the scan limit or at its deadline, whichever first. */
export interface Settled {
  removed: number;
  scanned: number;
  /** False when the scan stopped before the queue looked empty (limit or deadline). */
  complete: boolean;
}

const bodyOf = (text: string | undefined): { runId?: string } => {
  try {
    return JSON.parse(text ?? '') as { runId?: string };
  } catch {
    return {};
  }
};

/**
 * Removes this run's older dead letters (a redrive has just re-processed them; the ones still
 * failing were sent again above), leaving every other run's messages in the queue untouched. At
 * most `scanLimit()` messages are looked at, and none once `deadline` is near: what is left is
 * another Publish's (or an operator's) to settle, and the answer says so.
 */
async function settleDeadLetters(
  sqs: SQSClient,
  queueUrl: string,
  runId: string,
  keep: Set<string>,
  deadline: number,
): Promise<Settled> {
  const others: { Id: string; ReceiptHandle: string }[] = [];
  const settled: Settled = { removed: 0, scanned: 0, complete: false };
  const limit = scanLimit();
  while (settled.scanned < limit && Date.now() < deadline) {
    const page = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        WaitTimeSeconds: 0,
      }),
    );
    const received = page.Messages ?? [];
    if (received.length === 0) {
      settled.complete = true;
      break;
    }
    settled.scanned += received.length;
    const ours = received.filter(
      (message) => bodyOf(message.Body).runId === runId && !keep.has(message.MessageId ?? ''),
    );
    if (ours.length)
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: ours.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
    settled.removed += ours.length;
    for (const message of received)
      if (!ours.includes(message))
        others.push({ Id: String(others.length), ReceiptHandle: message.ReceiptHandle ?? '' });
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
  return settled;
}

/** Publish stops scanning this long before its Lambda limit (the visibility resets still follow). */
const PUBLISH_MARGIN_MS = 20_000;

/**
 * The Publish state: failed items to the SQS dead-letter queue (this run's earlier dead letters are
 * removed only now, after the manifest that supersedes them is written), then the SNS summary.
 */
export async function publishRun(
  summary: RunSummary & Pick<PolicyOutcome, 'deletions'>,
  targets: PublishTargets,
  context: { remainingMs: number } = { remainingMs: 60_000 },
): Promise<{
  published: boolean;
  deadLettered: number;
  settled: number;
  scanned: number;
  scanComplete: boolean;
}> {
  const deadline = Date.now() + context.remainingMs - PUBLISH_MARGIN_MS;
  const messages = deadLetterMessages(summary);
  let settled: Settled = { removed: 0, scanned: 0, complete: true };
  if (targets.deadLetterQueueUrl) {
    const sqs = client(SQSClient, regionOfQueueUrl(targets.deadLetterQueueUrl));
    const sent = await sendDeadLetters(sqs, targets.deadLetterQueueUrl, messages);
    settled = await settleDeadLetters(sqs, targets.deadLetterQueueUrl, summary.runId, sent, deadline);
  }
  if (targets.topicArn) {
    const failed = summary.totals.failed;
    // A mass deletion leads the subject; the message names what went (summary.deletions).
    const mass = summary.deletions?.massDeletion ?? [];
    const alarm = mass.length ? `MASS DELETION of ${mass.join(', ')} - ` : '';
    await client(SNSClient, regionOfArn(targets.topicArn)).send(
      new PublishCommand({
        TopicArn: targets.topicArn,
        Subject:
          `${alarm}triggervault run ${summary.runId}: ${summary.status}${failed ? ` (${failed} failed)` : ''}`.slice(
            0,
            99,
          ),
        Message: JSON.stringify({ ...summary, failed: summary.failed.slice(0, 50) }, null, 1),
        MessageAttributes: {
          status: { DataType: 'String', StringValue: summary.status },
          ...(mass.length ? { massDeletion: { DataType: 'String', StringValue: mass.join(',') } } : {}),
        },
      }),
    );
  }
  return {
    published: Boolean(targets.topicArn),
    deadLettered: targets.deadLetterQueueUrl ? messages.length : 0,
    settled: settled.removed,
    scanned: settled.scanned,
    scanComplete: settled.complete,
  };
}
