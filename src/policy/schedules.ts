import type { Policy, PolicyFile } from '../../schemas/policy.js';
import { InputValidationError } from '../errors.js';

/**
 * The deployed stack's schedules: one EventBridge Scheduler schedule per policy, starting the backup
 * state machine with the policy inline as run input (so a deployed run needs no policy file), and
 * the role the scheduler assumes to do that. Plain CloudFormation, for serverless.yml's
 * `resources.Resources` (for example through a `${file(...)}` of a script that calls this).
 */

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation values (Ref, Fn::GetAtt, Fn::Sub) are untyped JSON.
type CfnValue = any;

export interface ScheduleOptions {
  /** The backup state machine: an ARN or `{Ref: …}` (serverless-step-functions names it). */
  stateMachineArn: CfnValue;
  /** Prefix of the schedule names, such as `triggervault-dev`. */
  namePrefix: string;
  /** A role the scheduler assumes; omitted: one is created (`PolicySchedulerRole`). */
  roleArn?: CfnValue;
  /** Scheduler group; omitted: the default group. */
  groupName?: string;
  /** Create the schedules DISABLED (for a stack that should not start backups yet). */
  disabled?: boolean;
}

export const SCHEDULER_ROLE_ID = 'PolicySchedulerRole';

/** `nightly-eu` → `PolicyScheduleNightlyEu`. */
export function scheduleLogicalId(policy: Pick<Policy, 'name'>): string {
  const pascal = policy.name
    .split('-')
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
  return `PolicySchedule${pascal}`;
}

function schedulerRole(stateMachineArn: CfnValue): CfnValue {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description:
        'triggervault: EventBridge Scheduler starts the backup state machine, one schedule per policy',
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
      Policies: [
        {
          PolicyName: 'start-backup-executions',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: stateMachineArn }],
          },
        },
      ],
    },
  };
}

function schedule(policy: Policy, options: ScheduleOptions, roleArn: CfnValue): CfnValue {
  return {
    Type: 'AWS::Scheduler::Schedule',
    Properties: {
      Name: `${options.namePrefix}-${policy.name}`.slice(0, 64),
      Description: (policy.description ?? `triggervault backup policy ${policy.name}`).slice(0, 512),
      GroupName: options.groupName,
      ScheduleExpression: policy.schedule,
      ScheduleExpressionTimezone: policy.timezone,
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: options.disabled ? 'DISABLED' : 'ENABLED',
      Target: {
        Arn: options.stateMachineArn,
        RoleArn: roleArn,
        Input: JSON.stringify({ policy }),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      },
    },
  };
}

/** CloudFormation resources: one schedule per policy, plus the scheduler role unless one is given. */
export function policySchedules(file: PolicyFile, options: ScheduleOptions): Record<string, CfnValue> {
  const resources: Record<string, CfnValue> = {};
  const roleArn = options.roleArn ?? { 'Fn::GetAtt': [SCHEDULER_ROLE_ID, 'Arn'] };
  if (!options.roleArn) resources[SCHEDULER_ROLE_ID] = schedulerRole(options.stateMachineArn);
  for (const policy of file.policies) {
    const id = scheduleLogicalId(policy);
    if (resources[id])
      throw new InputValidationError(
        `policies: "${policy.name}" gives the same resource id ${id} as another policy`,
      );
    const resource = schedule(policy, options, roleArn);
    if (!options.groupName) delete resource.Properties.GroupName;
    resources[id] = resource;
  }
  return resources;
}
