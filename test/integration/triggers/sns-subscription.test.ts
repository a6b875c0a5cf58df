import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { loadFunctionRef } from '../../../src/triggers/function-ref.js';
import { clearListingMemos } from '../../../src/triggers/shared.js';
import { snsSubscriptionTrigger } from '../../../src/triggers/sns-subscription.js';
import { ACCOUNT_ID, createTestFunction, unique } from '../../helpers/aws.js';
import { allowInvoke } from '../../helpers/triggers.js';

const REGION = 'eu-west-1';
const SNS = 'sns.amazonaws.com';
const sns = () => client(SNSClient, REGION);

async function subscribe(topicArn: string, endpoint: string, attributes: Record<string, string> = {}) {
  const command = new SubscribeCommand({
    TopicArn: topicArn,
    Protocol: 'lambda',
    Endpoint: endpoint,
    Attributes: attributes,
    ReturnSubscriptionArn: true,
  });
  return (await sns().send(command)).SubscriptionArn as string;
}

describe('sns-subscription trigger', () => {
  beforeEach(() => clearListingMemos());

  it('captures the lambda subscriptions of the topics named in the policy with their attributes', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    const other = await createTestFunction(REGION);
    const { TopicArn: topicArn } = await sns().send(new CreateTopicCommand({ Name: unique('tv-topic') }));
    const redrivePolicy = JSON.stringify({
      deadLetterTargetArn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:tv-dlq`,
    });
    const subscriptionArn = await subscribe(topicArn as string, fn.arn, {
      FilterPolicy: '{"kind":["order"]}',
      FilterPolicyScope: 'MessageBody',
      RawMessageDelivery: 'true',
      RedrivePolicy: redrivePolicy,
    });
    await subscribe(topicArn as string, other.arn);
    const grant = await allowInvoke(REGION, {
      functionName: fn.name,
      sid: 'topic',
      service: SNS,
      sourceArn: topicArn,
    });
    // Act
    const records = await snsSubscriptionTrigger.list(await loadFunctionRef(REGION, fn.name));
    // Assess
    expect(records).toEqual([
      {
        type: 'sns-subscription',
        id: subscriptionArn,
        source: topicArn,
        target: fn.arn,
        config: {
          TopicArn: topicArn,
          Protocol: 'lambda',
          Endpoint: fn.arn,
          FilterPolicy: '{"kind":["order"]}',
          FilterPolicyScope: 'MessageBody',
          RawMessageDelivery: 'true',
          RedrivePolicy: redrivePolicy,
        },
        permissions: [grant],
      },
    ]);
  });

  it('lists the subscriptions of the region when a statement names no topic', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    const other = await createTestFunction(REGION);
    const { TopicArn: topicArn } = await sns().send(new CreateTopicCommand({ Name: unique('tv-topic') }));
    const subscriptionArn = await subscribe(topicArn as string, fn.arn);
    await subscribe(topicArn as string, other.arn);
    const grant = await allowInvoke(REGION, { functionName: fn.name, sid: 'any-topic', service: SNS });
    // Act
    const records = await snsSubscriptionTrigger.list(await loadFunctionRef(REGION, fn.name));
    // Assess
    expect(records).toEqual([
      {
        type: 'sns-subscription',
        id: subscriptionArn,
        source: topicArn,
        target: fn.arn,
        config: { TopicArn: topicArn, Protocol: 'lambda', Endpoint: fn.arn, RawMessageDelivery: 'false' },
        permissions: [grant],
      },
    ]);
  });
});
