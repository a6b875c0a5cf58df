import {
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
  type Subscription,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { client } from '../aws/clients.js';
import { ifExists } from '../aws/errors.js';
import { paginate } from '../aws/paginate.js';
import type { ArnMapper } from '../reconcile/arn-map.js';
import type { RestoreContext } from '../reconcile/context.js';
import { pick, reconcile } from '../reconcile/diff.js';
import { permissionsFor, targetsFunction } from './permissions.js';
import { cannotRestore, withPermissions } from './rewire.js';
import { arnRegion, compact, fromEachSource, policySources, regionMemo, sourceMemo } from './shared.js';
import type { FunctionRef, TriggerRecord, TriggerType } from './types.js';

const SNS_SERVICE = 'sns.amazonaws.com';
const topicOf = (sourceArn: string): string | undefined =>
  sourceArn.startsWith('arn:aws:sns:') ? sourceArn : undefined;

/** Subscriptions of one topic, in the topic's own region (SNS delivers to Lambda across regions). */
const subscriptionsOfTopic = sourceMemo((region, topicArn) =>
  paginate(async (NextToken) => {
    const command = new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken });
    const page = await client(SNSClient, region).send(command);
    return { items: page.Subscriptions, next: page.NextToken };
  }),
);
/** Read once for all the functions subscribed to the topic. */
const topicSubscriptions = (topicArn: string): Promise<Subscription[]> =>
  subscriptionsOfTopic(arnRegion(topicArn), topicArn);

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

const ATTRIBUTES = ['FilterPolicy', 'FilterPolicyScope', 'RawMessageDelivery', 'RedrivePolicy'] as const;

/** The subscription attributes to set, the dead-letter queue inside RedrivePolicy mapped. */
function desiredAttributes(config: Record<string, unknown>, mapper: ArnMapper): Record<string, string> {
  const attributes = pick(config, ATTRIBUTES) as Record<string, string>;
  if (attributes.RedrivePolicy) {
    const policy = JSON.parse(attributes.RedrivePolicy) as { deadLetterTargetArn?: string };
    attributes.RedrivePolicy = JSON.stringify({
      ...policy,
      deadLetterTargetArn: mapper.mapArn(policy.deadLetterTargetArn),
    });
  }
  return attributes;
}

/** Subscribe (with its attributes) the restored function to the topic, which must exist. */
async function restoreSubscription(record: TriggerRecord, context: RestoreContext) {
  const topicArn = context.mapper.mapArn(record.source);
  const endpoint = context.mapper.mapArn(record.target);
  const sns = client(SNSClient, arnRegion(topicArn));
  if (!(await ifExists(() => sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn })))))
    return cannotRestore(record, 'blocked', `topic ${topicArn} does not exist: restore or create it first`);
  const desired = desiredAttributes(record.config, context.mapper);
  return withPermissions(record, context, async () => {
    const existing = (await topicSubscriptions(topicArn)).find(
      (subscription) => subscription.Protocol === 'lambda' && subscription.Endpoint === endpoint,
    );
    const arn = existing?.SubscriptionArn;
    const attributes =
      arn && (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }))).Attributes;
    const current =
      attributes && Object.fromEntries(Object.keys(desired).map((key) => [key, attributes[key]]));
    const change = await reconcile(context, {
      resource: `sns subscription ${topicArn} → ${endpoint}`,
      current,
      desired,
      create: async () => {
        await sns.send(
          new SubscribeCommand({
            TopicArn: topicArn,
            Protocol: 'lambda',
            Endpoint: endpoint,
            Attributes: desired,
          }),
        );
      },
      update: async (fields) => {
        for (const { field } of fields) {
          const AttributeValue = desired[field];
          await sns.send(
            new SetSubscriptionAttributesCommand({
              SubscriptionArn: arn,
              AttributeName: field,
              AttributeValue,
            }),
          );
        }
      },
    });
    return [change];
  });
}

/** Lambda subscriptions to the topics allowed to invoke the function. */
export const snsSubscriptionTrigger: TriggerType = {
  async remove(region, record) {
    await client(SNSClient, region).send(new UnsubscribeCommand({ SubscriptionArn: record.id }));
  },

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
  restore: restoreSubscription,
  generatedIds: (record) => [record.id.split(':').at(-1) ?? ''],
};
