import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { eventBridgeRuleTrigger } from '../../../src/triggers/eventbridge-rule.js';
import { loadFunctionRef } from '../../../src/triggers/function-ref.js';
import { clearListingMemos } from '../../../src/triggers/shared.js';
import { ACCOUNT_ID, createTestFunction, unique } from '../../helpers/aws.js';
import { allowInvoke, publishLiveAlias } from '../../helpers/triggers.js';

const REGION = 'ap-northeast-1';
const EVENTS = 'events.amazonaws.com';
const events = () => client(EventBridgeClient, REGION);

describe('eventbridge-rule trigger', () => {
  beforeEach(() => clearListingMemos());

  it('captures pattern rules on a custom bus and schedule rules on the default bus, per target', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    const other = await createTestFunction(REGION);
    const { aliasArn } = await publishLiveAlias(REGION, fn.name);
    const bus = unique('tv-bus');
    await events().send(new CreateEventBusCommand({ Name: bus }));
    const patternRule = unique('tv-pattern');
    const pattern = await events().send(
      new PutRuleCommand({
        Name: patternRule,
        EventBusName: bus,
        EventPattern: '{"source":["orders"]}',
        Description: 'new orders',
        State: 'ENABLED',
      }),
    );
    const deadLetterArn = `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:tv-dlq`;
    await events().send(
      new PutTargetsCommand({
        Rule: patternRule,
        EventBusName: bus,
        Targets: [
          {
            Id: 'fn',
            Arn: fn.arn,
            Input: '{"fixed":true}',
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 },
            DeadLetterConfig: { Arn: deadLetterArn },
          },
          { Id: 'other', Arn: other.arn },
        ],
      }),
    );
    const scheduleRule = unique('tv-rate');
    const schedule = await events().send(
      new PutRuleCommand({ Name: scheduleRule, ScheduleExpression: 'rate(5 minutes)', State: 'DISABLED' }),
    );
    const transformer = { InputPathsMap: { id: '$.id' }, InputTemplate: '{"id":<id>}' };
    await events().send(
      new PutTargetsCommand({
        Rule: scheduleRule,
        Targets: [{ Id: 'alias', Arn: aliasArn, InputTransformer: transformer }],
      }),
    );
    const patternGrant = await allowInvoke(REGION, {
      functionName: fn.name,
      sid: 'pattern',
      service: EVENTS,
      sourceArn: pattern.RuleArn,
    });
    const scheduleGrant = await allowInvoke(REGION, {
      functionName: fn.name,
      qualifier: 'live',
      sid: 'schedule',
      service: EVENTS,
      sourceArn: schedule.RuleArn,
    });
    // Act
    const records = await eventBridgeRuleTrigger.list(await loadFunctionRef(REGION, fn.name));
    // Assess
    const sorted = [...records].sort((a, b) => a.id.localeCompare(b.id));
    expect(sorted).toEqual(
      [
        {
          type: 'eventbridge-rule',
          id: `${bus}/${patternRule}/fn`,
          source: pattern.RuleArn,
          target: fn.arn,
          config: {
            Name: patternRule,
            EventBusName: bus,
            EventPattern: '{"source":["orders"]}',
            State: 'ENABLED',
            Description: 'new orders',
            Target: {
              Id: 'fn',
              Arn: fn.arn,
              Input: '{"fixed":true}',
              RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 },
              DeadLetterConfig: { Arn: deadLetterArn },
            },
          },
          permissions: [patternGrant],
        },
        {
          type: 'eventbridge-rule',
          id: `default/${scheduleRule}/alias`,
          source: schedule.RuleArn,
          target: aliasArn,
          config: {
            Name: scheduleRule,
            EventBusName: 'default',
            ScheduleExpression: 'rate(5 minutes)',
            State: 'DISABLED',
            Target: { Id: 'alias', Arn: aliasArn, InputTransformer: transformer },
          },
          permissions: [scheduleGrant],
        },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
  });

  it('captures nothing for a function whose rules target another function', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    const other = await createTestFunction(REGION);
    const rule = unique('tv-other');
    await events().send(new PutRuleCommand({ Name: rule, ScheduleExpression: 'rate(1 hour)' }));
    await events().send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: 'other', Arn: other.arn }] }));
    // Act
    const records = await eventBridgeRuleTrigger.list(await loadFunctionRef(REGION, fn.name));
    // Assess
    expect(records).toEqual([]);
  });
});
