import { SNSClient } from '@aws-sdk/client-sns';
import type { WorkItem } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { NotFoundError } from '../../errors.js';
import { accountId } from '../shared/account.js';
import { backupDocument } from '../shared/document.js';
import type { BackupContext, BackupStep } from '../types.js';
import { type StoredSubscription, SUBSCRIPTION_ATTRIBUTES, TopicConfig } from './format.js';
import {
  dataProtectionPolicy,
  isOurFunction,
  listSubscriptions,
  subscriptionAttributes,
  topicArn,
  topicAttributes,
  topicTags,
} from './topics.js';

/** Backs up one topic: attributes, policy, tags, data protection policy and the subscriptions that are not our functions'. */
export async function backupTopic(item: WorkItem, context: BackupContext): Promise<BackupStep> {
  const sns = client(SNSClient, item.region);
  const arn = topicArn(item.region, await accountId(item.region), item.name);
  const attributes = await topicAttributes(sns, arn);
  if (!attributes) throw new NotFoundError(`topic ${item.name} does not exist in ${item.region}`);
  const [tags, protection, listed] = await Promise.all([
    topicTags(sns, arn),
    dataProtectionPolicy(sns, arn),
    listSubscriptions(sns, arn),
  ]);
  const others = listed.filter((subscription) => !isOurFunction(subscription, arn));
  const confirmed = others.filter((subscription) => subscription.SubscriptionArn?.startsWith('arn:'));
  const subscriptions: StoredSubscription[] = await Promise.all(
    confirmed.map(async (subscription) => {
      const all = await subscriptionAttributes(sns, subscription.SubscriptionArn as string);
      return {
        protocol: subscription.Protocol as string,
        endpoint: subscription.Endpoint as string,
        attributes: Object.fromEntries(
          SUBSCRIPTION_ATTRIBUTES.flatMap((key) => (all[key] !== undefined ? [[key, all[key]]] : [])),
        ),
      };
    }),
  );
  return backupDocument(
    item,
    context,
    TopicConfig,
    {
      format: 1,
      region: item.region,
      name: item.name,
      arn,
      attributes,
      tags,
      dataProtectionPolicy: protection,
      subscriptions,
      pendingConfirmation: others.length - confirmed.length,
    },
    { summary: { subscriptions: subscriptions.length, messages: 'not copied (transient)' } },
  );
}
