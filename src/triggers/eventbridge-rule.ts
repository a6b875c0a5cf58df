import {
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRuleNamesByTargetCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  type PutRuleCommandInput,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { client } from '../aws/clients.js';
import { ifExists } from '../aws/errors.js';
import { paginate } from '../aws/paginate.js';
import type { ArnMapper } from '../reconcile/arn-map.js';
import type { RestoreContext } from '../reconcile/context.js';
import { pick, reconcile } from '../reconcile/diff.js';
import { permissionsFor, targetsFunction } from './permissions.js';
import { cannotRestore, withPermissions } from './rewire.js';
import { compact, fromEachSource, functionArns, policySources, regionMemo } from './shared.js';
import { templateRules } from './template-schedules.js';
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

/** What a rule's record keeps of the rule itself (DescribeRule and ListRules answer the same fields). */
interface RuleDefinition {
  Name?: string;
  Arn?: string;
  EventBusName?: string;
  EventPattern?: string;
  ScheduleExpression?: string;
  State?: string;
  Description?: string;
  RoleArn?: string;
}

/** One record per target of the rule that invokes the function (the rule described when not given). */
async function ruleRecords(
  fn: FunctionRef,
  { bus, name }: RuleRef,
  described?: RuleDefinition,
): Promise<TriggerRecord[]> {
  const events = client(EventBridgeClient, fn.region);
  const rule = described ?? (await events.send(new DescribeRuleCommand({ Name: name, EventBusName: bus })));
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

/** Every rule of a bus with its definition (ListRules, 100 a page), for refreshing recorded rules. */
const busRules = regionMemo(async (regionAndBus) => {
  const [region = '', bus = ''] = regionAndBus.split('|');
  const rules = await paginate(async (NextToken) => {
    const page = await client(EventBridgeClient, region).send(
      new ListRulesCommand({ EventBusName: bus, NextToken }),
    );
    return { items: page.Rules, next: page.NextToken };
  });
  return new Map(rules.map((rule) => [rule.Name as string, rule]));
});

/** `arn:aws:events:R:A:rule/name` (default bus) or `…:rule/bus/name`. */
function ruleOfArn(arn: string): RuleRef | undefined {
  if (!arn.startsWith('arn:aws:events:')) return undefined;
  const path = arn.split(':rule/')[1];
  if (!path) return undefined;
  const parts = path.split('/');
  return parts.length === 1
    ? { bus: 'default', name: parts[0] as string }
    : { bus: parts[0] as string, name: parts[1] as string };
}

const EVENTS_SERVICE = 'events.amazonaws.com';

/**
 * Refresh (see TriggerType.refresh): the rules recorded before and the rules the policy lets invoke
 * the function, each re-read (ListTargetsByRule, and its definition from the bus's ListRules),
 * instead of asking every bus for the rules that target each of the function's ARNs. A policy
 * statement that names no single rule means any rule may be new: then the full listing runs.
 */
async function refreshRules(fn: FunctionRef, recorded: TriggerRecord[]): Promise<TriggerRecord[]> {
  const named = policySources(fn, EVENTS_SERVICE, (sourceArn) =>
    ruleOfArn(sourceArn) ? sourceArn : undefined,
  );
  if (named.listAll) return eventBridgeRuleTrigger.list(fn);
  const rules = new Map<string, RuleRef>();
  for (const record of recorded) {
    const [bus = 'default', name = ''] = record.id.split('/');
    rules.set(`${bus}/${name}`, { bus, name });
  }
  for (const arn of named.names) {
    const rule = ruleOfArn(arn);
    if (rule) rules.set(`${rule.bus}/${rule.name}`, rule);
  }
  return fromEachSource(
    rules.values(),
    (rule) => `rule ${rule.bus}/${rule.name}`,
    async (rule) => {
      const definition = (await busRules(`${fn.region}|${rule.bus}`)).get(rule.name);
      return definition ? ruleRecords(fn, rule, definition) : [];
    },
  );
}

const RULE_FIELDS = ['EventPattern', 'ScheduleExpression', 'State', 'Description', 'RoleArn'] as const;
const ruleSettings = (rule: object) => pick(rule, RULE_FIELDS);

/**
 * PutRule on the recorded bus (which must exist) and PutTargets with the recorded target, input
 * transformer, retry policy and dead-letter queue. Under a name suffix the rule gets the suffix: a
 * scratch function gets its own rule rather than taking over production's target.
 */
/** A rule's bus in the target: an ARN mapped, a name renamed when this restore re-creates the bus (suffix). */
const busIn = (mapper: ArnMapper, bus: string): string =>
  bus.startsWith('arn:') ? mapper.mapArn(bus) : mapper.mapName('eventbridge-bus', bus);

async function restoreRule(record: TriggerRecord, context: RestoreContext) {
  const { mapper } = context;
  const config = record.config as { Name: string; EventBusName: string; Target: Target } & Record<
    string,
    unknown
  >;
  const Name = mapper.mapName('rule', config.Name);
  const EventBusName = busIn(mapper, config.EventBusName);
  const events = client(EventBridgeClient, context.targetRegion);
  if (!(await ifExists(() => events.send(new DescribeEventBusCommand({ Name: EventBusName })))))
    return cannotRestore(
      record,
      'blocked',
      `event bus ${EventBusName} does not exist in ${context.targetRegion}`,
    );
  const desiredRule = mapper.mapDeep(ruleSettings(config));
  const desiredTarget = compact(mapper.mapDeep(config.Target));
  return withPermissions(record, context, async () => {
    const rule = await ifExists(() => events.send(new DescribeRuleCommand({ Name, EventBusName })));
    const putRule = async () => {
      await events.send(
        new PutRuleCommand({ ...(desiredRule as Partial<PutRuleCommandInput>), Name, EventBusName }),
      );
    };
    const ruleChange = await reconcile(context, {
      resource: `eventbridge rule ${EventBusName}/${Name}`,
      current: rule && ruleSettings(rule),
      desired: desiredRule,
      create: putRule,
      update: putRule,
    });
    const targets = rule
      ? await paginate(async (NextToken) => {
          const page = await events.send(
            new ListTargetsByRuleCommand({ Rule: Name, EventBusName, NextToken }),
          );
          return { items: page.Targets, next: page.NextToken };
        })
      : [];
    const target = targets.find((candidate) => candidate.Id === desiredTarget.Id);
    const putTarget = async () => {
      await events.send(new PutTargetsCommand({ Rule: Name, EventBusName, Targets: [desiredTarget] }));
    };
    const targetChange = await reconcile(context, {
      resource: `eventbridge target ${Name}/${desiredTarget.Id}`,
      current: target && compact(target),
      desired: desiredTarget,
      create: putTarget,
      update: putTarget,
    });
    return [ruleChange, targetChange];
  });
}

/** EventBridge rules (event patterns and schedules) on every bus of the region that target the function. */
export const eventBridgeRuleTrigger: TriggerType = {
  template: templateRules,
  /** Removes the function's target, and the rule once it has no target left. */
  async remove(region, record) {
    const config = record.config as { Name: string; EventBusName?: string; Target?: { Id: string } };
    const events = client(EventBridgeClient, region);
    const rule = { Rule: config.Name, EventBusName: config.EventBusName };
    await events.send(new RemoveTargetsCommand({ ...rule, Ids: [config.Target?.Id as string] }));
    const left = (await events.send(new ListTargetsByRuleCommand(rule))).Targets ?? [];
    if (left.length === 0)
      await events.send(new DeleteRuleCommand({ Name: config.Name, EventBusName: config.EventBusName }));
  },

  type: 'eventbridge-rule',
  refresh: refreshRules,
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
  restore: restoreRule,
  expectedRecord: (record, mapper) => {
    const expected = mapper.mapDeep(record);
    const Name = mapper.mapName('rule', String(record.config.Name));
    const [bus = '', , target] = record.id.split('/');
    const EventBusName = busIn(mapper, String(record.config.EventBusName ?? bus));
    return {
      ...expected,
      id: `${busIn(mapper, bus)}/${Name}/${target}`,
      config: { ...expected.config, Name, ...(record.config.EventBusName ? { EventBusName } : {}) },
    };
  },
};
