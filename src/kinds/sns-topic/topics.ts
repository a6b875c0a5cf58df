import {
  GetDataProtectionPolicyCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListTagsForResourceCommand,
  paginateListSubscriptionsByTopic,
  paginateListTopics,
  type SNSClient,
  type Subscription,
} from '@aws-sdk/client-sns';
import { ifExists } from '../../aws/errors.js';
import { parsedPolicy, tagRecord } from '../shared/document.js';

/** The SNS reads that discovery, backup, restore and teardown share. */

export const topicArn = (region: string, account: string, name: string) =>
  `arn:aws:sns:${region}:${account}:${name}`;

/** The topic's attributes, undefined when it does not exist. */
export async function topicAttributes(sns: SNSClient, TopicArn: string) {
  return (await ifExists(() => sns.send(new GetTopicAttributesCommand({ TopicArn }))))?.Attributes;
}

export async function topicTags(sns: SNSClient, ResourceArn: string): Promise<Record<string, string>> {
  return tagRecord((await sns.send(new ListTagsForResourceCommand({ ResourceArn }))).Tags);
}

export async function dataProtectionPolicy(sns: SNSClient, ResourceArn: string) {
  const answer = await sns.send(new GetDataProtectionPolicyCommand({ ResourceArn }));
  return parsedPolicy(answer.DataProtectionPolicy);
}

export async function listSubscriptions(sns: SNSClient, TopicArn: string): Promise<Subscription[]> {
  const subscriptions: Subscription[] = [];
  for await (const page of paginateListSubscriptionsByTopic({ client: sns }, { TopicArn }))
    subscriptions.push(...(page.Subscriptions ?? []));
  return subscriptions;
}

export async function subscriptionAttributes(sns: SNSClient, SubscriptionArn: string) {
  return (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))).Attributes ?? {};
}

/** Every topic ARN of the region. */
export async function listTopicArns(sns: SNSClient): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateListTopics({ client: sns }, {}))
    for (const topic of page.Topics ?? []) if (topic.TopicArn) arns.push(topic.TopicArn);
  return arns;
}

/** A Lambda subscription of a function of the topic's own region and account: that function's trigger. */
export const isOurFunction = (subscription: Subscription, topic: string): boolean => {
  const [, , , region, account] = topic.split(':');
  const [, , service, endpointRegion, endpointAccount] = (subscription.Endpoint ?? '').split(':');
  return (
    subscription.Protocol === 'lambda' &&
    service === 'lambda' &&
    endpointRegion === region &&
    endpointAccount === account
  );
};
