import {
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
  type ScheduleSummary,
} from '@aws-sdk/client-scheduler';
import { client } from '../aws/clients.js';
import { targetsFunction } from './permissions.js';
import { compact, fromEachSource, paginate, regionMemo } from './shared.js';
import type { FunctionRef, TriggerRecord, TriggerType } from './types.js';

/**
 * Every schedule of the region with its target ARN. ListSchedules without GroupName covers all
 * schedule groups in one paginated listing, so no ListScheduleGroups pass is needed. Memoized
 * (see regionMemo): 200 functions in a region share one listing.
 */
const regionSchedules = regionMemo((region) =>
  paginate(async (NextToken) => {
    const page = await client(SchedulerClient, region).send(new ListSchedulesCommand({ NextToken }));
    return { items: page.Schedules, next: page.NextToken };
  }),
);

async function scheduleRecord(fn: FunctionRef, summary: ScheduleSummary): Promise<TriggerRecord[]> {
  const command = new GetScheduleCommand({ Name: summary.Name, GroupName: summary.GroupName });
  const schedule = await client(SchedulerClient, fn.region).send(command);
  const target = schedule.Target;
  if (!targetsFunction(target?.Arn, fn)) return []; // retargeted since it was listed
  const config = compact({
    Name: schedule.Name,
    GroupName: schedule.GroupName,
    Description: schedule.Description,
    ScheduleExpression: schedule.ScheduleExpression,
    ScheduleExpressionTimezone: schedule.ScheduleExpressionTimezone,
    FlexibleTimeWindow: schedule.FlexibleTimeWindow,
    State: schedule.State,
    StartDate: schedule.StartDate,
    EndDate: schedule.EndDate,
    ActionAfterCompletion: schedule.ActionAfterCompletion,
    KmsKeyArn: schedule.KmsKeyArn,
    Target: target && {
      Arn: target.Arn,
      RoleArn: target.RoleArn,
      Input: target.Input,
      RetryPolicy: target.RetryPolicy,
      DeadLetterConfig: target.DeadLetterConfig,
    },
  });
  const id = `${schedule.GroupName}/${schedule.Name}`;
  // The scheduler invokes with the schedule's execution role: no resource-policy statement is involved.
  return [
    {
      type: 'eventbridge-schedule',
      id,
      source: schedule.Arn as string,
      target: target?.Arn as string,
      config,
      permissions: [],
    },
  ];
}

/** EventBridge Scheduler schedules (any group) whose target is the function. */
export const eventBridgeScheduleTrigger: TriggerType = {
  type: 'eventbridge-schedule',
  async list(fn: FunctionRef) {
    const schedules = (await regionSchedules(fn.region)).filter((summary) =>
      targetsFunction(summary.Target?.Arn, fn),
    );
    return fromEachSource(
      schedules,
      (summary) => `schedule ${summary.GroupName}/${summary.Name}`,
      (summary) => scheduleRecord(fn, summary),
    );
  },
};
