import { getAtt, type TemplateBuilder } from '../reconcile/template.js';
import { invoked, permissionsOf } from './template-sources.js';
import type { TriggerRecord } from './types.js';

/**
 * IaC export of the triggers the template creates with their own source: EventBridge rules (one
 * AWS::Events::Rule per rule, with every recorded target that invokes an exported function) and
 * EventBridge Scheduler schedules. Their names get `NameSuffix`; a custom bus or schedule group and the
 * roles are parameters. See reconcile/template.ts.
 */

interface RuleConfig {
  Name: string;
  EventBusName: string;
  EventPattern?: string;
  ScheduleExpression?: string;
  State?: string;
  Description?: string;
  RoleArn?: string;
  Target: {
    Id: string;
    Input?: string;
    InputPath?: string;
    InputTransformer?: unknown;
    RetryPolicy?: unknown;
    DeadLetterConfig?: { Arn?: string };
  };
}

export function templateRules(records: TriggerRecord[], builder: TemplateBuilder): void {
  const byRule = new Map<string, TriggerRecord[]>();
  for (const record of records) byRule.set(record.source, [...(byRule.get(record.source) ?? []), record]);
  for (const targets of byRule.values()) {
    const config = (targets[0] as TriggerRecord).config as unknown as RuleConfig;
    const id = builder.logicalId('rule', config.Name);
    const bus = config.EventBusName;
    builder.resource(
      id,
      {
        Type: 'AWS::Events::Rule',
        Properties: {
          Name: builder.name(config.Name),
          EventBusName:
            bus === 'default'
              ? undefined
              : builder.source(bus, `Event bus of rule ${config.Name}`, `bus ${bus}`),
          EventPattern: config.EventPattern ? JSON.parse(config.EventPattern) : undefined,
          ScheduleExpression: config.ScheduleExpression,
          State: config.State,
          Description: config.Description,
          RoleArn: config.RoleArn ? builder.role(config.RoleArn) : undefined,
          Targets: targets.map((record) => {
            const target = (record.config as unknown as RuleConfig).Target;
            const deadLetters = target.DeadLetterConfig?.Arn;
            return {
              Id: target.Id,
              Arn: invoked(record, builder),
              Input: target.Input,
              InputPath: target.InputPath,
              InputTransformer: target.InputTransformer,
              RetryPolicy: target.RetryPolicy,
              DeadLetterConfig: deadLetters
                ? {
                    Arn: builder.target(
                      deadLetters,
                      `Dead-letter queue of rule ${config.Name}`,
                      `${config.Name} dead letters`,
                    ),
                  }
                : undefined,
            };
          }),
        },
      },
      { finalOnly: true },
    );
    for (const record of targets) permissionsOf(record, builder, getAtt(id, 'Arn'));
  }
}

interface ScheduleConfig {
  Name: string;
  GroupName?: string;
  Description?: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  FlexibleTimeWindow: unknown;
  State?: string;
  StartDate?: string;
  EndDate?: string;
  ActionAfterCompletion?: string;
  KmsKeyArn?: string;
  Target: {
    RoleArn: string;
    Input?: string;
    RetryPolicy?: unknown;
    DeadLetterConfig?: { Arn?: string };
  };
}

/** The scheduler invokes with the schedule's role: no resource-policy statement. A past start date is left out. */
export function templateSchedules(records: TriggerRecord[], builder: TemplateBuilder): void {
  for (const record of records) {
    const config = record.config as unknown as ScheduleConfig;
    const group = config.GroupName ?? 'default';
    const deadLetters = config.Target.DeadLetterConfig?.Arn;
    const started = config.StartDate !== undefined && Date.parse(config.StartDate) < Date.now();
    if (started)
      builder.note(`schedule ${config.Name}: its start date ${config.StartDate} is past and was left out`);
    builder.resource(
      builder.logicalId('schedule', config.Name),
      {
        Type: 'AWS::Scheduler::Schedule',
        Properties: {
          Name: builder.name(config.Name),
          GroupName:
            group === 'default'
              ? undefined
              : builder.source(group, `Schedule group of ${config.Name}`, `group ${group}`),
          Description: config.Description,
          ScheduleExpression: config.ScheduleExpression,
          ScheduleExpressionTimezone: config.ScheduleExpressionTimezone,
          FlexibleTimeWindow: config.FlexibleTimeWindow,
          State: config.State,
          StartDate: started ? undefined : config.StartDate,
          EndDate: config.EndDate,
          KmsKeyArn: config.KmsKeyArn
            ? builder.source(config.KmsKeyArn, `KMS key of schedule ${config.Name}`, `${config.Name} key`)
            : undefined,
          Target: {
            Arn: invoked(record, builder),
            RoleArn: builder.role(config.Target.RoleArn),
            Input: config.Target.Input,
            RetryPolicy: config.Target.RetryPolicy,
            DeadLetterConfig: deadLetters
              ? {
                  Arn: builder.target(
                    deadLetters,
                    `Dead-letter queue of schedule ${config.Name}`,
                    `${config.Name} dead letters`,
                  ),
                }
              : undefined,
          },
        },
      },
      { finalOnly: true },
    );
  }
}
