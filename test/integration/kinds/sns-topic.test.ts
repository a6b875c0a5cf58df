import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetDataProtectionPolicyCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand,
  PutDataProtectionPolicyCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { SETTABLE_ATTRIBUTES, TopicConfig } from '../../../src/kinds/sns-topic/format.js';
import { snsTopic } from '../../../src/kinds/sns-topic/index.js';
import { ACCOUNT_ID, unique } from '../../helpers/aws.js';
import { runIdAt, suiteFileStore } from '../../helpers/kinds.js';
import { mockOnly } from '../../helpers/partial-mock.js';
import { HOME_REGION } from '../../helpers/region-claims.js';
import { backUp, expectSameFields, restoreContext, restoreWith } from '../../helpers/source-kinds.js';

// Named topics only, never a listing of the whole region: the shared home region is enough.
const REGION = HOME_REGION;
const sns = client(SNSClient, REGION);
const suite = suiteFileStore();

// moto has no data protection policies (Get/PutDataProtectionPolicy answer 500): those two calls go
// to aws-sdk-client-mock, kept per topic here; every other SNS call goes to moto. moto also ignores
// SignatureVersion, TracingConfig, ArchivePolicy and delivery status logging attributes, so this
// round trip covers the attributes it keeps.
const protections = new Map<string, string>();
const { mock, toEmulator } = mockOnly(SNSClient);
mock
  .on(PutDataProtectionPolicyCommand)
  .callsFake(async (input: { ResourceArn: string; DataProtectionPolicy: string }) => {
    protections.set(input.ResourceArn, input.DataProtectionPolicy);
    return {};
  });
mock.on(GetDataProtectionPolicyCommand).callsFake(async (input: { ResourceArn: string }) => ({
  DataProtectionPolicy: protections.get(input.ResourceArn),
}));
mock.on(CreateTopicCommand).callsFake(async (input: { DataProtectionPolicy?: string }, getClient) => {
  const created = await toEmulator<{ TopicArn: string }>(
    getClient(),
    new CreateTopicCommand({ ...input, DataProtectionPolicy: undefined } as never),
  );
  if (input.DataProtectionPolicy) protections.set(created.TopicArn as string, input.DataProtectionPolicy);
  return created;
});
afterAll(() => mock.restore());

const arnOf = (name: string) => `arn:aws:sns:${REGION}:${ACCOUNT_ID}:${name}`;

/** A topic as a restore must reproduce it: settable attributes, tags, data protection, subscriptions but ours. */
async function pictureOf(name: string): Promise<Record<string, unknown>> {
  const TopicArn = arnOf(name);
  const attributes = (await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes ?? {};
  const settable = Object.fromEntries(
    SETTABLE_ATTRIBUTES.flatMap((key) => (attributes[key] ? [[key, attributes[key]]] : [])),
  );
  const tags = (await sns.send(new ListTagsForResourceCommand({ ResourceArn: TopicArn }))).Tags ?? [];
  const listed = (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions ?? [];
  const subscriptions = [];
  for (const subscription of listed.filter((entry) => entry.Protocol !== 'lambda')) {
    const all =
      (
        await sns.send(
          new GetSubscriptionAttributesCommand({ SubscriptionArn: subscription.SubscriptionArn }),
        )
      ).Attributes ?? {};
    subscriptions.push({
      protocol: subscription.Protocol,
      endpoint: subscription.Endpoint,
      filter: all.FilterPolicy,
      raw: all.RawMessageDelivery,
    });
  }
  subscriptions.sort((a, b) => `${a.protocol}${a.endpoint}`.localeCompare(`${b.protocol}${b.endpoint}`));
  return {
    ...settable,
    Policy: settable.Policy && JSON.parse(settable.Policy),
    tags: [...tags].sort((a, b) => (a.Key ?? '').localeCompare(b.Key ?? '')),
    protection: protections.get(TopicArn),
    subscriptions,
  };
}

describe('sns-topic', () => {
  const names = { orders: unique('tv-orders'), fifo: `${unique('tv-ledger')}.fifo` };
  const queue = unique('tv-order-copies');
  const ours = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${unique('tv-notify')}`;
  const runId = runIdAt();
  const originals: Record<string, Record<string, unknown>> = {};
  const items: Record<string, Awaited<ReturnType<typeof backUp>>> = {};

  beforeAll(async () => {
    // Prepare: a standard topic with policy, delivery policy, encryption, tags, data protection and
    // subscriptions (a queue, an HTTPS endpoint, an e-mail address, and our function's), and a FIFO topic.
    await client(SQSClient, REGION).send(new CreateQueueCommand({ QueueName: queue }));
    const TopicArn = arnOf(names.orders);
    await sns.send(
      new CreateTopicCommand({
        Name: names.orders,
        Attributes: {
          DisplayName: 'Orders',
          KmsMasterKeyId: 'alias/aws/sns',
          DeliveryPolicy: JSON.stringify({ http: { defaultHealthyRetryPolicy: { numRetries: 5 } } }),
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'publishers',
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` },
                Action: 'sns:Publish',
                Resource: TopicArn,
              },
            ],
          }),
        },
        Tags: [
          { Key: 'app', Value: 'orders' },
          { Key: 'team', Value: 'platform' },
        ],
        DataProtectionPolicy: JSON.stringify({ Name: 'pii', Version: '2021-06-01', Statement: [] }),
      }),
    );
    const subscribe = (Protocol: string, Endpoint: string, Attributes: Record<string, string>) =>
      sns.send(
        new SubscribeCommand({ TopicArn, Protocol, Endpoint, Attributes, ReturnSubscriptionArn: true }),
      );
    await subscribe('sqs', `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${queue}`, {
      RawMessageDelivery: 'true',
      FilterPolicy: JSON.stringify({ kind: ['refund'] }),
    });
    await subscribe('https', 'https://hooks.example.com/orders', {});
    await subscribe('email', 'ops@example.com', { FilterPolicy: JSON.stringify({ severity: ['high'] }) });
    await subscribe('lambda', ours, {});
    await sns.send(
      new CreateTopicCommand({
        Name: names.fifo,
        Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'true' },
      }),
    );
    for (const name of Object.values(names)) {
      originals[name] = await pictureOf(name);
      items[name] = await backUp(snsTopic, suite.store, REGION, name, runId);
    }
  });

  it('stores the subscriptions that are not our functions (ours travel as triggers)', async () => {
    // Act
    const stored = TopicConfig.parse(
      await suite.store.getJson(items[names.orders]?.artifacts[0]?.path as string),
    );
    // Assess
    expect(stored.subscriptions.map((subscription) => subscription.protocol).sort()).toEqual([
      'email',
      'https',
      'sqs',
    ]);
    expect(JSON.stringify(stored)).not.toContain(ours);
  });

  it('comes back from nothing with every attribute, tag, data protection policy and subscription', async () => {
    // Act: the topics are lost, then restored.
    for (const name of Object.values(names))
      await sns.send(new DeleteTopicCommand({ TopicArn: arnOf(name) }));
    const context = restoreContext({ store: suite.store, runId, region: REGION });
    const results = [];
    for (const name of Object.values(names))
      results.push(await restoreWith(snsTopic, items[name] as never, context));
    // Assess
    expect(results.map((result) => result.action)).toEqual(['create', 'create']);
    expect(results[0]?.notes.join(' ')).toMatch(/messages are transient/);
    expect(results[0]?.notes.join(' ')).toMatch(/https .*must confirm/);
    for (const name of Object.values(names))
      expectSameFields(originals[name] as never, await pictureOf(name));
    expect(originals[names.orders]?.subscriptions).toHaveLength(3);
  });

  it('compares first: differs without force, updated with force, then unchanged', async () => {
    // Prepare
    const base = { store: suite.store, runId, region: REGION };
    await sns.send(
      new SetTopicAttributesCommand({
        TopicArn: arnOf(names.orders),
        AttributeName: 'DisplayName',
        AttributeValue: 'x',
      }),
    );
    // Act
    const refused = await restoreWith(snsTopic, items[names.orders] as never, restoreContext(base));
    const forced = await restoreWith(
      snsTopic,
      items[names.orders] as never,
      restoreContext({ ...base, force: true }),
    );
    const again = await restoreWith(snsTopic, items[names.orders] as never, restoreContext(base));
    // Assess
    expect(refused.action).toBe('differs');
    expect(refused.changes[0]?.fields).toEqual([
      { field: 'Attributes.DisplayName', current: 'x', desired: 'Orders' },
    ]);
    expect(forced.action).toBe('update');
    expect(again.action).toBe('unchanged');
    expectSameFields(originals[names.orders] as never, await pictureOf(names.orders));
  });

  it('a scratch copy subscribes only endpoints the drill re-creates, and is torn down', async () => {
    // Prepare: the queue is part of the scratch restore; the e-mail and HTTPS endpoints are not.
    const suffix = '-drill-0b0b0b';
    const context = restoreContext({
      store: suite.store,
      runId,
      region: REGION,
      suffix,
      restored: { 'sns-topic': Object.values(names), 'sqs-queue': [queue] },
    });
    // Act
    const result = await restoreWith(snsTopic, items[names.orders] as never, context);
    const copy = await pictureOf(`${names.orders}${suffix}`);
    // Assess
    expect(result.action).toBe('create');
    expect(copy.subscriptions).toEqual([
      {
        protocol: 'sqs',
        endpoint: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${queue}${suffix}`,
        filter: JSON.stringify({ kind: ['refund'] }),
        raw: 'true',
      },
    ]);
    expect(JSON.stringify(copy.Policy)).toContain(`${names.orders}${suffix}`);
    const deletions = await snsTopic.teardown?.(REGION, `${names.orders}${suffix}`, { source: names.orders });
    expect(await deletions?.[0]?.remove()).toBe(true);
    expect(await deletions?.[0]?.remove()).toBe(false);
  });
});
