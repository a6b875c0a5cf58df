import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { eventBridgeScheduleTrigger } from '../../../src/triggers/eventbridge-schedule.js';
import { loadFunctionRef } from '../../../src/triggers/function-ref.js';
import { clearListingMemos } from '../../../src/triggers/shared.js';
import { ACCOUNT_ID, createTestFunction, unique } from '../../helpers/aws.js';

const REGION = 'ap-southeast-1';
const scheduler = () => client(SchedulerClient, REGION);
const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/tv-scheduler`;
const RETRY = { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 120 };

/** A schedule with every field set explicitly, so nothing depends on the service's defaults. */
async function createSchedule(name: string, targetArn: string, groupName?: string) {
  return scheduler().send(
    new CreateScheduleCommand({
      Name: name,
      GroupName: groupName,
      ScheduleExpression: 'rate(1 hour)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: targetArn, RoleArn: ROLE_ARN, RetryPolicy: RETRY },
    }),
  );
}

describe('eventbridge-schedule trigger', () => {
  beforeEach(() => clearListingMemos());

  it('captures schedules in any group that target the function, and not the schedules of others', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    const other = await createTestFunction(REGION);
    const group = unique('tv-group');
    await scheduler().send(new CreateScheduleGroupCommand({ Name: group }));
    const name = unique('tv-daily');
    const deadLetterArn = `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:tv-dlq`;
    const created = await scheduler().send(
      new CreateScheduleCommand({
        Name: name,
        GroupName: group,
        Description: 'daily report',
        ScheduleExpression: 'cron(0 12 * * ? *)',
        ScheduleExpressionTimezone: 'Europe/Paris',
        FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 5 },
        State: 'ENABLED',
        StartDate: new Date('2030-01-01T00:00:00Z'),
        EndDate: new Date('2031-01-01T00:00:00Z'),
        Target: {
          Arn: fn.arn,
          RoleArn: ROLE_ARN,
          Input: '{"report":"daily"}',
          RetryPolicy: RETRY,
          DeadLetterConfig: { Arn: deadLetterArn },
        },
      }),
    );
    const plain = unique('tv-hourly');
    const plainCreated = await createSchedule(plain, fn.arn);
    await createSchedule(unique('tv-not-mine'), other.arn);
    // Act
    const records = await eventBridgeScheduleTrigger.list(await loadFunctionRef(REGION, fn.name));
    // Assess
    const sorted = [...records].sort((a, b) => a.id.localeCompare(b.id));
    const expected = [
      {
        type: 'eventbridge-schedule',
        id: `${group}/${name}`,
        source: created.ScheduleArn,
        target: fn.arn,
        config: {
          Name: name,
          GroupName: group,
          Description: 'daily report',
          ScheduleExpression: 'cron(0 12 * * ? *)',
          ScheduleExpressionTimezone: 'Europe/Paris',
          FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 5 },
          State: 'ENABLED',
          StartDate: '2030-01-01T00:00:00.000Z',
          EndDate: '2031-01-01T00:00:00.000Z',
          Target: {
            Arn: fn.arn,
            RoleArn: ROLE_ARN,
            Input: '{"report":"daily"}',
            RetryPolicy: RETRY,
            DeadLetterConfig: { Arn: deadLetterArn },
          },
        },
        permissions: [],
      },
      {
        type: 'eventbridge-schedule',
        id: `default/${plain}`,
        source: plainCreated.ScheduleArn,
        target: fn.arn,
        config: {
          Name: plain,
          GroupName: 'default',
          ScheduleExpression: 'rate(1 hour)',
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          State: 'ENABLED',
          Target: { Arn: fn.arn, RoleArn: ROLE_ARN, RetryPolicy: RETRY },
        },
        permissions: [],
      },
    ];
    expect(sorted).toEqual(expected.sort((a, b) => a.id.localeCompare(b.id)));
  });

  it('reuses the region listing until the memo is cleared', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    const ref = await loadFunctionRef(REGION, fn.name);
    const first = unique('tv-first');
    await createSchedule(first, fn.arn);
    const before = await eventBridgeScheduleTrigger.list(ref);
    await createSchedule(unique('tv-later'), fn.arn);
    // Act
    const memoized = await eventBridgeScheduleTrigger.list(ref);
    clearListingMemos();
    const fresh = await eventBridgeScheduleTrigger.list(ref);
    // Assess
    expect(before.map((record) => record.id)).toEqual([`default/${first}`]);
    expect(memoized).toEqual(before);
    expect(fresh).toHaveLength(2);
  });
});
