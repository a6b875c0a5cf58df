import { describe, expect, it } from '@jest/globals';
import { parsePolicyFile } from '../../src/policy/load.js';
import { policySchedules, SCHEDULER_ROLE_ID, scheduleLogicalId } from '../../src/policy/schedules.js';

const FILE = parsePolicyFile(`
policies:
  - name: nightly
    schedule: cron(0 3 * * ? *)
    timezone: Europe/Paris
  - name: config-only-buckets
    select: { kinds: [s3-bucket] }
    schedule: rate(6 hours)
    critical: [config]
`);
const STATE_MACHINE = { Ref: 'TriggervaultBackupStateMachine' };

describe('one schedule per policy (CloudFormation for serverless.yml)', () => {
  it('makes one EventBridge Scheduler schedule per policy, starting the state machine with the policy inline', () => {
    // Act
    const resources = policySchedules(FILE, {
      stateMachineArn: STATE_MACHINE,
      namePrefix: 'triggervault-dev',
    });
    // Assess
    expect(Object.keys(resources).sort()).toEqual(
      [SCHEDULER_ROLE_ID, 'PolicyScheduleConfigOnlyBuckets', 'PolicyScheduleNightly'].sort(),
    );
    const nightly = resources.PolicyScheduleNightly;
    expect(nightly.Type).toBe('AWS::Scheduler::Schedule');
    expect(nightly.Properties).toMatchObject({
      Name: 'triggervault-dev-nightly',
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: { Arn: STATE_MACHINE, RoleArn: { 'Fn::GetAtt': [SCHEDULER_ROLE_ID, 'Arn'] } },
    });
    expect(JSON.parse(nightly.Properties.Target.Input)).toEqual({ policy: FILE.policies[0] });
    expect(
      JSON.parse(resources.PolicyScheduleConfigOnlyBuckets.Properties.Target.Input).policy.critical,
    ).toEqual(['config']);
  });

  it('gives the scheduler role only states:StartExecution on the state machine', () => {
    const role = policySchedules(FILE, { stateMachineArn: STATE_MACHINE, namePrefix: 'tv' })[
      SCHEDULER_ROLE_ID
    ];
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({
      Service: 'scheduler.amazonaws.com',
    });
    expect(role.Properties.Policies[0].PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: STATE_MACHINE },
    ]);
  });

  it('uses a given role and group, and can create the schedules disabled', () => {
    const resources = policySchedules(FILE, {
      stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:x',
      namePrefix: 'tv',
      roleArn: 'arn:aws:iam::1:role/scheduler',
      groupName: 'triggervault',
      disabled: true,
    });
    expect(resources[SCHEDULER_ROLE_ID]).toBeUndefined();
    expect(resources.PolicyScheduleNightly.Properties).toMatchObject({
      GroupName: 'triggervault',
      State: 'DISABLED',
      Target: { RoleArn: 'arn:aws:iam::1:role/scheduler' },
    });
  });

  it('names resources in PascalCase from policy names', () => {
    expect(scheduleLogicalId({ name: 'eu-tables-2' })).toBe('PolicyScheduleEuTables2');
  });
});
