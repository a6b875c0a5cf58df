import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { eventBridgeScheduleTrigger } from '../../../src/triggers/eventbridge-schedule.js';
import { clearListingMemos, listTriggers, loadFunctionRef } from '../../../src/triggers/index.js';
import { s3NotificationTrigger } from '../../../src/triggers/s3-notification.js';
import { snsSubscriptionTrigger } from '../../../src/triggers/sns-subscription.js';
import { ACCOUNT_ID, createTestFunction, unique } from '../../helpers/aws.js';
import { allowInvoke, publishLiveAlias } from '../../helpers/triggers.js';

const REGION = 'us-west-2';

describe('loadFunctionRef', () => {
  it('reads the function and the policy statements of the function and of its aliases', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    await publishLiveAlias(REGION, fn.name);
    const onFunction = await allowInvoke(REGION, {
      functionName: fn.name,
      sid: 'bucket',
      service: 's3.amazonaws.com',
      sourceArn: 'arn:aws:s3:::tv-b',
    });
    const onAlias = await allowInvoke(REGION, {
      functionName: fn.name,
      qualifier: 'live',
      sid: 'topic',
      service: 'sns.amazonaws.com',
    });
    // Act
    const ref = await loadFunctionRef(REGION, fn.arn);
    // Assess
    expect(ref).toEqual({
      region: REGION,
      accountId: ACCOUNT_ID,
      name: fn.name,
      arn: fn.arn,
      policy: [onFunction, onAlias],
    });
  });

  it('gives a function without a resource policy an empty one', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    // Act
    const ref = await loadFunctionRef(REGION, fn.name);
    // Assess
    expect(ref).toEqual({ region: REGION, accountId: ACCOUNT_ID, name: fn.name, arn: fn.arn, policy: [] });
  });
});

describe('listTriggers', () => {
  beforeEach(() => clearListingMemos());

  it('returns the triggers of every type, sorted by type then id, and none of another function', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    const other = await createTestFunction(REGION);
    const bucket = unique('tv-all');
    const s3 = client(S3Client, REGION);
    await s3.send(
      new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            { Id: 'b', LambdaFunctionArn: fn.arn, Events: ['s3:ObjectCreated:*'] },
            { Id: 'a', LambdaFunctionArn: fn.arn, Events: ['s3:ObjectRemoved:*'] },
          ],
        },
      }),
    );
    await allowInvoke(REGION, {
      functionName: fn.name,
      sid: 'bucket',
      service: 's3.amazonaws.com',
      sourceArn: `arn:aws:s3:::${bucket}`,
    });
    const { TopicArn } = await client(SNSClient, REGION).send(
      new CreateTopicCommand({ Name: unique('tv-all') }),
    );
    for (const endpoint of [fn.arn, other.arn]) {
      await client(SNSClient, REGION).send(
        new SubscribeCommand({ TopicArn, Protocol: 'lambda', Endpoint: endpoint }),
      );
    }
    await allowInvoke(REGION, {
      functionName: fn.name,
      sid: 'topic',
      service: 'sns.amazonaws.com',
      sourceArn: TopicArn,
    });
    await client(SchedulerClient, REGION).send(
      new CreateScheduleCommand({
        Name: unique('tv-all'),
        ScheduleExpression: 'rate(1 day)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: fn.arn, RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/tv-scheduler` },
      }),
    );
    const ref = await loadFunctionRef(REGION, fn.name);
    // Act
    const records = await listTriggers(ref);
    // Assess
    const [schedules, notifications, subscriptions] = await Promise.all(
      [eventBridgeScheduleTrigger, s3NotificationTrigger, snsSubscriptionTrigger].map((type) =>
        type.list(ref),
      ),
    );
    expect(records.map((record) => `${record.type} ${record.id}`)).toEqual([
      `eventbridge-schedule ${schedules?.[0]?.id}`,
      `s3-notification ${bucket}/a`,
      `s3-notification ${bucket}/b`,
      `sns-subscription ${subscriptions?.[0]?.id}`,
    ]);
    const sortedNotifications = [...(notifications ?? [])].sort((a, b) => a.id.localeCompare(b.id));
    expect(records).toEqual([...(schedules ?? []), ...sortedNotifications, ...(subscriptions ?? [])]);
  });
});
