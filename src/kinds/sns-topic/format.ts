import { z } from 'zod';

/**
 * What an SNS topic's backup stores: config.json with the topic's attributes (GetTopicAttributes),
 * tags, data protection policy and the subscriptions that are not our functions' (a Lambda
 * subscription of a function of the region travels as that function's sns-subscription trigger).
 * Messages are transient and never copied.
 */

/** Topic attributes a restore sets; the rest (counts, owner, effective policies) SNS keeps itself. */
export const SETTABLE_ATTRIBUTES = [
  'DisplayName',
  'Policy',
  'DeliveryPolicy',
  'KmsMasterKeyId',
  'SignatureVersion',
  'TracingConfig',
  'FifoTopic',
  'ContentBasedDeduplication',
  'ArchivePolicy',
  'FifoThroughputScope',
  ...['HTTP', 'Firehose', 'Lambda', 'SQS', 'Application'].flatMap((protocol) => [
    `${protocol}SuccessFeedbackRoleArn`,
    `${protocol}SuccessFeedbackSampleRate`,
    `${protocol}FailureFeedbackRoleArn`,
  ]),
] as const;

/** Accepted by CreateTopic; the others are set after it. */
export const CREATE_ATTRIBUTES = new Set([
  'DisplayName',
  'Policy',
  'DeliveryPolicy',
  'KmsMasterKeyId',
  'SignatureVersion',
  'TracingConfig',
  'FifoTopic',
  'ContentBasedDeduplication',
  'ArchivePolicy',
  'FifoThroughputScope',
]);

/** JSON documents among the attributes: compared parsed, ARNs inside mapped. */
export const JSON_ATTRIBUTES = new Set(['Policy', 'DeliveryPolicy', 'ArchivePolicy']);

/** Subscription attributes a restore sets (Subscribe accepts them all). */
export const SUBSCRIPTION_ATTRIBUTES = [
  'DeliveryPolicy',
  'FilterPolicy',
  'FilterPolicyScope',
  'RawMessageDelivery',
  'RedrivePolicy',
  'SubscriptionRoleArn',
  'ReplayPolicy',
] as const;

export const StoredSubscription = z.object({
  protocol: z.string().min(1),
  endpoint: z.string().min(1),
  attributes: z.record(z.string(), z.string()),
});
export type StoredSubscription = z.infer<typeof StoredSubscription>;

export const TopicConfig = z.object({
  format: z.literal(1),
  region: z.string(),
  name: z.string().min(1),
  arn: z.string().startsWith('arn:'),
  attributes: z.record(z.string(), z.string()),
  tags: z.record(z.string(), z.string()),
  /** The data protection policy, parsed; null when the topic has none. */
  dataProtectionPolicy: z.record(z.string(), z.unknown()).nullable(),
  subscriptions: z.array(StoredSubscription),
  /** Subscriptions not yet confirmed when backed up: they have no ARN to read, and are not restored. */
  pendingConfirmation: z.number().int().nonnegative(),
});
export type TopicConfig = z.infer<typeof TopicConfig>;

export const topicNameOf = (arn: string): string => arn.split(':')[5] ?? '';
