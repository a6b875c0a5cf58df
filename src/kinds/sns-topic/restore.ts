import {
  CreateTopicCommand,
  PutDataProtectionPolicyCommand,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-sns';
import type { Change } from '../../../schemas/restore.js';
import type { ItemResult } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { keepingEnding } from '../../reconcile/arn-map.js';
import type { RestoreContext, RestoreResult } from '../../reconcile/context.js';
import { notPossible, reconcile } from '../../reconcile/diff.js';
import { accountId } from '../shared/account.js';
import { readDocument, regionalKey, tagChanges } from '../shared/document.js';
import {
  CREATE_ATTRIBUTES,
  JSON_ATTRIBUTES,
  SETTABLE_ATTRIBUTES,
  type StoredSubscription,
  TopicConfig,
} from './format.js';
import {
  dataProtectionPolicy,
  listSubscriptions,
  subscriptionAttributes,
  topicArn,
  topicAttributes,
  topicTags,
} from './topics.js';

/**
 * Restores an SNS topic from config.json: a missing topic is created with its attributes (FIFO and
 * deduplication, encryption, delivery policies, policy, delivery status logging, archive policy),
 * tags and data protection policy, then each recorded subscription that is not our functions' is
 * subscribed again (its endpoint mapped: a restored queue, a function). An existing topic is compared
 * (attributes, tags, data protection policy, the recorded subscriptions) and changed only with force;
 * subscriptions it has beyond the recorded ones are left alone. Email, HTTP and SMS endpoints must
 * confirm again; under a name suffix (a drill) only endpoints this restore re-creates are subscribed.
 */

const FIFO = /\.fifo$/;

export const topicNameIn = (context: RestoreContext, name: string): string =>
  keepingEnding(name, context.mapper.mapName('sns-topic', name), FIFO);

interface TopicShape {
  Attributes: Record<string, unknown>;
  Tags: Record<string, string>;
  DataProtectionPolicy: Record<string, unknown> | null;
  /** By `protocol endpoint`: the subscription's attributes (JSON ones parsed). */
  Subscriptions: Record<string, Record<string, unknown>>;
}

/** The named attributes, JSON ones parsed; an empty value is no value (an unset DisplayName or DeliveryPolicy). */
const parsedAttributes = (attributes: Record<string, string>, keys: readonly string[], json: Set<string>) =>
  Object.fromEntries(
    keys.flatMap((key) => {
      const value = attributes[key];
      if (value === undefined || value === '') return [];
      return [[key, json.has(key) ? JSON.parse(value) : value]];
    }),
  );

const SUBSCRIPTION_JSON = new Set(['DeliveryPolicy', 'FilterPolicy', 'RedrivePolicy', 'ReplayPolicy']);
const subscriptionKey = (protocol: string, endpoint: string) => `${protocol} ${endpoint}`;

/** An endpoint this restore re-creates (a queue or a function): the only ones a scratch topic subscribes. */
function restoredEndpoint(context: RestoreContext, subscription: StoredSubscription): boolean {
  const [, , service, , , resource = ''] = subscription.endpoint.split(':');
  if (service === 'sqs') return context.mapper.isRestored('sqs-queue', resource);
  if (service === 'lambda') return context.mapper.isRestored('function', resource.split(':')[0] ?? '');
  return false;
}

/** An endpoint in the target: a queue under a suffix keeps `.fifo` last. */
function endpointIn(context: RestoreContext, endpoint: string): string {
  if (!endpoint.startsWith('arn:aws:sqs:')) return context.mapper.mapArn(endpoint);
  const parts = context.mapper.mapArn(endpoint).split(':');
  const name = endpoint.split(':')[5] ?? '';
  parts[5] = keepingEnding(name, context.mapper.mapName('sqs-queue', name), FIFO);
  return parts.join(':');
}

function desiredShape(config: TopicConfig, context: RestoreContext, notes: string[]) {
  const Attributes = context.mapper.mapDeep(
    parsedAttributes(config.attributes, SETTABLE_ATTRIBUTES, JSON_ATTRIBUTES),
  );
  if (Attributes.KmsMasterKeyId !== undefined)
    Attributes.KmsMasterKeyId = regionalKey(String(Attributes.KmsMasterKeyId), 'sns', context, notes);
  const subscribed = config.subscriptions.filter((subscription) => {
    if (!context.options.nameSuffix || restoredEndpoint(context, subscription)) return true;
    notes.push(
      `${subscription.protocol} subscription ${subscription.endpoint}: not part of this scratch restore (suffix ${context.options.nameSuffix}), not subscribed`,
    );
    return false;
  });
  const Subscriptions = Object.fromEntries(
    subscribed.map((subscription) => [
      subscriptionKey(subscription.protocol, endpointIn(context, subscription.endpoint)),
      context.mapper.mapDeep(
        parsedAttributes(subscription.attributes, Object.keys(subscription.attributes), SUBSCRIPTION_JSON),
      ),
    ]),
  );
  return {
    Attributes,
    Tags: config.tags,
    DataProtectionPolicy: config.dataProtectionPolicy,
    Subscriptions,
  } satisfies TopicShape;
}

async function liveShape(sns: SNSClient, arn: string, desired: TopicShape): Promise<TopicShape | undefined> {
  const attributes = await topicAttributes(sns, arn);
  if (!attributes) return undefined;
  const [Tags, DataProtectionPolicy, listed] = await Promise.all([
    topicTags(sns, arn),
    dataProtectionPolicy(sns, arn),
    listSubscriptions(sns, arn),
  ]);
  const Subscriptions: TopicShape['Subscriptions'] = {};
  for (const subscription of listed) {
    const key = subscriptionKey(subscription.Protocol ?? '', subscription.Endpoint ?? '');
    const wanted = desired.Subscriptions[key];
    if (!wanted || !subscription.SubscriptionArn?.startsWith('arn:')) continue;
    Subscriptions[key] = parsedAttributes(
      await subscriptionAttributes(sns, subscription.SubscriptionArn),
      Object.keys(wanted),
      SUBSCRIPTION_JSON,
    );
  }
  return {
    Attributes: parsedAttributes(attributes, Object.keys(desired.Attributes), JSON_ATTRIBUTES),
    Tags,
    DataProtectionPolicy,
    Subscriptions,
  };
}

const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

async function createTopic(sns: SNSClient, name: string, desired: TopicShape) {
  const create = Object.fromEntries(
    Object.entries(desired.Attributes)
      .filter(([key]) => CREATE_ATTRIBUTES.has(key))
      .map(([key, value]) => [key, asText(value)]),
  );
  const tags = Object.entries(desired.Tags).map(([Key, Value]) => ({ Key, Value }));
  const { TopicArn } = await sns.send(
    new CreateTopicCommand({
      Name: name,
      Attributes: create,
      Tags: tags.length ? tags : undefined,
      DataProtectionPolicy: desired.DataProtectionPolicy
        ? JSON.stringify(desired.DataProtectionPolicy)
        : undefined,
    }),
  );
  return TopicArn as string;
}

/** Brings an existing topic (or one just created) to `desired`: attributes, tags, data protection, subscriptions. */
async function applyShape(sns: SNSClient, arn: string, desired: TopicShape, current: TopicShape | undefined) {
  for (const [AttributeName, value] of Object.entries(desired.Attributes)) {
    if (AttributeName === 'FifoTopic') continue;
    if (current && JSON.stringify(current.Attributes[AttributeName]) === JSON.stringify(value)) continue;
    if (!current && CREATE_ATTRIBUTES.has(AttributeName)) continue;
    await sns.send(
      new SetTopicAttributesCommand({ TopicArn: arn, AttributeName, AttributeValue: asText(value) }),
    );
  }
  if (current) {
    const tags = tagChanges(current.Tags, desired.Tags);
    if (tags.remove.length)
      await sns.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: tags.remove }));
    const set = Object.entries(tags.set).map(([Key, Value]) => ({ Key, Value }));
    if (set.length) await sns.send(new TagResourceCommand({ ResourceArn: arn, Tags: set }));
    if (JSON.stringify(current.DataProtectionPolicy) !== JSON.stringify(desired.DataProtectionPolicy))
      await sns.send(
        new PutDataProtectionPolicyCommand({
          ResourceArn: arn,
          DataProtectionPolicy: desired.DataProtectionPolicy
            ? JSON.stringify(desired.DataProtectionPolicy)
            : '',
        }),
      );
  }
  const listed = current ? await listSubscriptions(sns, arn) : [];
  for (const [key, attributes] of Object.entries(desired.Subscriptions)) {
    const [Protocol = '', ...rest] = key.split(' ');
    const Endpoint = rest.join(' ');
    const existing = listed.find((entry) => entry.Protocol === Protocol && entry.Endpoint === Endpoint);
    if (!existing) {
      await sns.send(
        new SubscribeCommand({
          TopicArn: arn,
          Protocol,
          Endpoint,
          Attributes: Object.fromEntries(
            Object.entries(attributes).map(([name, value]) => [name, asText(value)]),
          ),
          ReturnSubscriptionArn: true,
        }),
      );
      continue;
    }
    const live = current?.Subscriptions[key] ?? {};
    for (const [AttributeName, value] of Object.entries(attributes))
      if (
        JSON.stringify(live[AttributeName]) !== JSON.stringify(value) &&
        existing.SubscriptionArn?.startsWith('arn:')
      )
        await sns.send(
          new SetSubscriptionAttributesCommand({
            SubscriptionArn: existing.SubscriptionArn,
            AttributeName,
            AttributeValue: asText(value),
          }),
        );
  }
}

export async function restoreTopic(item: ItemResult, context: RestoreContext): Promise<RestoreResult> {
  const config = await readDocument(context.store, item, TopicConfig);
  const name = topicNameIn(context, config.name);
  const sns = client(SNSClient, context.targetRegion);
  const arn = topicArn(context.targetRegion, await accountId(context.targetRegion), name);
  const notes = [`topic ${name}: messages are transient and were not backed up`];
  if (config.pendingConfirmation)
    notes.push(
      `${config.pendingConfirmation} subscriptions were pending confirmation when backed up: not restored`,
    );
  const desired = desiredShape(config, context, notes);
  const confirming = Object.keys(desired.Subscriptions).filter((key) =>
    /^(email|email-json|http|https|sms) /.test(key),
  );
  if (confirming.length)
    notes.push(`${confirming.join(', ')}: the endpoint must confirm the subscription again`);
  const current = await liveShape(sns, arn, desired);
  const resource = `topic ${name}`;
  if (current && current.Attributes.FifoTopic !== desired.Attributes.FifoTopic)
    return {
      changes: [notPossible(resource, 'manual', 'FIFO and standard topics cannot be turned into each other')],
      notes,
    };
  const change: Change = await reconcile(context, {
    resource,
    current,
    desired,
    create: async () => {
      await applyShape(sns, await createTopic(sns, name, desired), desired, undefined);
    },
    update: () => applyShape(sns, arn, desired, current),
  });
  return { changes: [change], notes, details: { topic: arn } };
}
