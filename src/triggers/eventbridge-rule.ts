import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRuleNamesByTargetCommand,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { client } from '../aws/clients.js';
import { permissionsFor, targetsFunction } from './permissions.js';
import { compact, fromEachSource, functionArns, paginate, regionMemo } from './shared.js';
import type { FunctionRef, TriggerRecord, TriggerType } from './types.js';

interface RuleRef {
  bus: string;
  name: string;
}

/** Names of the default bus and every custom and partner bus of the region. */
const regionBuses = regionMemo((region) =>
  paginate(async (NextToken) => {
    const page = await client(EventBridgeClient, region).send(new ListEventBusesCommand({ NextToken }));
    return { items: page.EventBuses?.map((bus) => bus.Name as string), next: page.NextToken };
  }),
);

/** Rules on `bus` with a target that is `targetArn` (an exact match: each qualifier is asked separately). */
async function rulesTargeting(region: string, bus: string, targetArn: string): Promise<RuleRef[]> {
  const names = await paginate(async (NextToken) => {
    const command = new ListRuleNamesByTargetCommand({ TargetArn: targetArn, EventBusName: bus, NextToken });
    const page = await client(EventBridgeClient, region).send(command);
    return { items: page.RuleNames, next: page.NextToken };
  });
  return names.map((name) => ({ bus, name }));
}

/** One record per target of the rule that invokes the function. */
async function ruleRecords(fn: FunctionRef, { bus, name }: RuleRef): Promise<TriggerRecord[]> {
  const events = client(EventBridgeClient, fn.region);
  const rule = await events.send(new DescribeRuleCommand({ Name: name, EventBusName: bus }));
  const targets = await paginate(async (NextToken) => {
    const page = await events.send(
      new ListTargetsByRuleCommand({ Rule: name, EventBusName: bus, NextToken }),
    );
    return { items: page.Targets, next: page.NextToken };
  });
  const ruleConfig = {
    Name: rule.Name,
    EventBusName: rule.EventBusName ?? bus,
    EventPattern: rule.EventPattern,
    ScheduleExpression: rule.ScheduleExpression,
    State: rule.State,
    Description: rule.Description,
    RoleArn: rule.RoleArn,
  };
  return targets
    .filter((target) => targetsFunction(target.Arn, fn))
    .map((target) => ({
      type: 'eventbridge-rule',
      id: `${bus}/${name}/${target.Id}`,
      source: rule.Arn as string,
      target: target.Arn as string,
      config: compact({
        ...ruleConfig,
        Target: {
          Id: target.Id,
          Arn: target.Arn,
          Input: target.Input,
          InputPath: target.InputPath,
          InputTransformer: target.InputTransformer,
          RetryPolicy: target.RetryPolicy,
          DeadLetterConfig: target.DeadLetterConfig,
        },
      }),
      permissions: permissionsFor(fn, 'events.amazonaws.com', rule.Arn),
    }));
}

/** EventBridge rules (event patterns and schedules) on every bus of the region that target the function. */
export const eventBridgeRuleTrigger: TriggerType = {
  type: 'eventbridge-rule',
  async list(fn: FunctionRef) {
    const arns = functionArns(fn);
    const lookups = (await regionBuses(fn.region)).flatMap((bus) => arns.map((arn) => ({ bus, arn })));
    const found = await fromEachSource(
      lookups,
      ({ bus, arn }) => `rules on bus ${bus} for ${arn}`,
      ({ bus, arn }) => rulesTargeting(fn.region, bus, arn),
    );
    const rules = [...new Map(found.map((rule) => [`${rule.bus}/${rule.name}`, rule])).values()];
    return fromEachSource(
      rules,
      (rule) => `rule ${rule.bus}/${rule.name}`,
      (rule) => ruleRecords(fn, rule),
    );
  },
};
