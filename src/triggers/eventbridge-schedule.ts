import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  GetScheduleGroupCommand,
  ListSchedulesCommand,
  SchedulerClient,
  type ScheduleSummary,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { client } from '../aws/clients.js';
import { ifExists } from '../aws/errors.js';
import { paginate } from '../aws/paginate.js';
import type { RestoreContext } from '../reconcile/context.js';
import { reconcile } from '../reconcile/diff.js';
import { resultOf } from '../reconcile/results.js';
import { targetsFunction } from './permissions.js';
import { compact, fromEachSource, regionMemo } from './shared.js';
import { templateSchedules } from './template-schedules.js';
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

/** The recorded fields of a schedule (GetSchedule's answer), dates as ISO strings. */
const scheduleSettings = (schedule: GetScheduleCommandOutput) => {
  const target = schedule.Target;
  return compact({
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
};

async function scheduleRecord(fn: FunctionRef, summary: ScheduleSummary): Promise<TriggerRecord[]> {
  const command = new GetScheduleCommand({ Name: summary.Name, GroupName: summary.GroupName });
  const schedule = await client(SchedulerClient, fn.region).send(command);
  const target = schedule.Target;
  if (!targetsFunction(target?.Arn, fn)) return []; // retargeted since it was listed
  const config = scheduleSettings(schedule);
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

/**
 * CreateSchedule (or UpdateSchedule, which replaces every field) in the recorded group, created when
 * missing. The target's ARN, execution role and dead-letter queue are mapped; under a name suffix the
 * schedule gets the suffix. A start date already past is dropped (AWS refuses one).
 */
async function restoreSchedule(record: TriggerRecord, context: RestoreContext) {
  const { mapper } = context;
  const config = record.config as { Name: string; GroupName?: string; StartDate?: string } & Record<
    string,
    unknown
  >;
  const Name = mapper.mapName('schedule', config.Name);
  const GroupName = config.GroupName ?? 'default';
  const scheduler = client(SchedulerClient, context.targetRegion);
  const notes: string[] = [];
  const desired = mapper.mapDeep({ ...config, Name, GroupName }) as Record<string, unknown>;
  if (config.StartDate && Date.parse(config.StartDate) < Date.now()) {
    delete desired.StartDate;
    notes.push(`schedule ${Name}: recorded start date ${config.StartDate} is past and was not set`);
  }
  const input = {
    ...desired,
    StartDate: desired.StartDate ? new Date(String(desired.StartDate)) : undefined,
    EndDate: desired.EndDate ? new Date(String(desired.EndDate)) : undefined,
  } as CreateScheduleCommandInput;
  const changes = [];
  if (
    GroupName !== 'default' &&
    !(await ifExists(() => scheduler.send(new GetScheduleGroupCommand({ Name: GroupName }))))
  ) {
    if (context.apply) await scheduler.send(new CreateScheduleGroupCommand({ Name: GroupName }));
    changes.push({ resource: `schedule group ${GroupName}`, action: 'create' as const });
  }
  const current = await ifExists(() => scheduler.send(new GetScheduleCommand({ Name, GroupName })));
  changes.push(
    await reconcile(context, {
      resource: `schedule ${GroupName}/${Name}`,
      current: current && scheduleSettings(current),
      desired,
      create: async () => {
        await scheduler.send(new CreateScheduleCommand(input));
      },
      update: async () => {
        await scheduler.send(new UpdateScheduleCommand(input));
      },
    }),
  );
  return resultOf(changes, notes);
}

/** EventBridge Scheduler schedules (any group) whose target is the function. */
export const eventBridgeScheduleTrigger: TriggerType = {
  template: templateSchedules,
  async remove(region, record) {
    const config = record.config as { Name: string; GroupName?: string };
    await client(SchedulerClient, region).send(
      new DeleteScheduleCommand({ Name: config.Name, GroupName: config.GroupName }),
    );
  },

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
  restore: restoreSchedule,
  expectedRecord: (record, mapper) => {
    const expected = mapper.mapDeep(record);
    const Name = mapper.mapName('schedule', String(record.config.Name));
    return { ...expected, id: `${record.config.GroupName}/${Name}`, config: { ...expected.config, Name } };
  },
};
