import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  SNSClient,
  type Subscription,
} from '@aws-sdk/client-sns';
import { client } from '../aws/clients.js';
import { permissionsFor, targetsFunction } from './permissions.js';
import { arnRegion, compact, fromEachSource, paginate, policySources, regionMemo } from './shared.js';
import type { FunctionRef, TriggerRecord, TriggerType } from './types.js';

const SNS_SERVICE = 'sns.amazonaws.com';
const topicOf = (sourceArn: string): string | undefined =>
  sourceArn.startsWith('arn:aws:sns:') ? sourceArn : undefined;

/** Subscriptions of one topic, in the topic's own region (SNS delivers to Lambda across regions). */
const topicSubscriptions = (topicArn: string): Promise<Subscription[]> =>
  paginate(async (NextToken) => {
    const command = new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken });
    const page = await client(SNSClient, arnRegion(topicArn)).send(command);
    return { items: page.Subscriptions, next: page.NextToken };
  });

/** Every subscription of the region, for policies that do not name their topic. */
const regionSubscriptions = regionMemo((region) =>
  paginate(async (NextToken) => {
    const page = await client(SNSClient, region).send(new ListSubscriptionsCommand({ NextToken }));
    return { items: page.Subscriptions, next: page.NextToken };
  }),
);

async function subscriptionRecord(fn: FunctionRef, subscription: Subscription): Promise<TriggerRecord[]> {
  const arn = subscription.SubscriptionArn as string;
  const command = new GetSubscriptionAttributesCommand({ SubscriptionArn: arn });
  const attributes = (await client(SNSClient, arnRegion(arn)).send(command)).Attributes ?? {};
  const topicArn = subscription.TopicArn as string;
  const config = compact({
    TopicArn: topicArn,
    Protocol: subscription.Protocol,
    Endpoint: subscription.Endpoint,
    FilterPolicy: attributes.FilterPolicy,
    FilterPolicyScope: attributes.FilterPolicyScope,
    RawMessageDelivery: attributes.RawMessageDelivery,
    RedrivePolicy: attributes.RedrivePolicy,
  });
  const permissions = permissionsFor(fn, SNS_SERVICE, topicArn);
  return [
    {
      type: 'sns-subscription',
      id: arn,
      source: topicArn,
      target: subscription.Endpoint as string,
      config,
      permissions,
    },
  ];
}

/** Lambda subscriptions to the topics allowed to invoke the function. */
export const snsSubscriptionTrigger: TriggerType = {
  type: 'sns-subscription',
  async list(fn: FunctionRef) {
    const { names: topics, listAll } = policySources(fn, SNS_SERVICE, topicOf);
    const [fromTopics, fromRegion] = await Promise.all([
      fromEachSource(topics, (topic) => `sns topic ${topic}`, topicSubscriptions),
      listAll ? regionSubscriptions(fn.region) : [],
    ]);
    const subscriptions = new Map(
      [...fromTopics, ...fromRegion]
        .filter(
          (subscription) => subscription.Protocol === 'lambda' && targetsFunction(subscription.Endpoint, fn),
        )
        .filter((subscription) => subscription.SubscriptionArn?.startsWith('arn:'))
        .map((subscription) => [subscription.SubscriptionArn as string, subscription]),
    );
    return fromEachSource(
      subscriptions.values(),
      (subscription) => `sns subscription ${subscription.SubscriptionArn}`,
      (subscription) => subscriptionRecord(fn, subscription),
    );
  },
};
