import { z } from 'zod';

/**
 * What an SQS queue's backup stores: config.json, the queue's attributes as GetQueueAttributes(All)
 * answered them and its tags. Messages are transient and never copied: a restored queue is empty.
 */

/** The attributes a restore sets (the others are counters and timestamps SQS keeps itself). */
export const SETTABLE_ATTRIBUTES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'Policy',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
] as const;

/** Attributes whose value is a JSON document: compared parsed, ARNs inside mapped. */
export const JSON_ATTRIBUTES = new Set(['Policy', 'RedrivePolicy', 'RedriveAllowPolicy']);

/** Only when the queue is created: SQS refuses to change it later. */
export const CREATE_ONLY = new Set(['FifoQueue']);

export const QueueConfig = z.object({
  format: z.literal(1),
  region: z.string(),
  name: z.string().min(1),
  arn: z.string().startsWith('arn:'),
  /** Every attribute as SQS answered it (strings). */
  attributes: z.record(z.string(), z.string()),
  tags: z.record(z.string(), z.string()),
});
export type QueueConfig = z.infer<typeof QueueConfig>;

/** The name of a queue from its ARN (`arn:aws:sqs:REGION:ACCOUNT:NAME`). */
export const queueNameOf = (arn: string): string => arn.split(':')[5] ?? '';
