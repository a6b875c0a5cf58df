import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parseOrThrow } from '../../schemas/common.js';
import { Manifest } from '../../schemas/manifest.js';
import { client } from '../aws/clients.js';
import { manifestKey } from '../store/layout.js';
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
  const manifest = parseOrThrow(
    Manifest,
    await openStore(summary.store).getJson(manifestKey(summary.runId)),
    'manifest',
  );
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

/** The Publish state: SNS summary, failed items to the SQS dead-letter queue. */
export async function publishRun(
  summary: RunSummary,
  targets: PublishTargets,
): Promise<{ published: boolean; deadLettered: number }> {
  const messages = await deadLetterMessages(summary);
  if (targets.deadLetterQueueUrl) {
    const sqs = client(SQSClient, regionOfQueueUrl(targets.deadLetterQueueUrl));
    for (let start = 0; start < messages.length; start += 10) {
      const batch = messages.slice(start, start + 10);
      const response = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: targets.deadLetterQueueUrl,
          Entries: batch.map((message, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify(message),
          })),
        }),
      );
      if (response.Failed?.length)
        throw new Error(
          `SQS refused ${response.Failed.length} dead-letter messages: ${response.Failed[0]?.Message}`,
        );
    }
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
  };
}
