import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseOrThrow } from '../../schemas/common.js';
import { Manifest } from '../../schemas/manifest.js';
import { client } from '../../src/aws/clients.js';
import { loadFunctionSnapshot } from '../../src/kinds/lambda-function/format.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import { zipFiles } from '../../src/local/zip.js';
import { manifestKey } from '../../src/store/layout.js';
import { openStore } from '../../src/store/open.js';
import { createTestFunction, unique } from '../helpers/aws.js';
import { allowInvoke } from '../helpers/triggers.js';

// Change detection for functions, through the real state machine: a run after nothing changed
// captures no function again (no GetFunction, no code download), and after one function's
// configuration, one alias and one trigger changed, exactly those three are captured again.
// Every test file has regions of its own and none is left for this one: it shares us-east-2 with
// plan-cli.test.ts and selects only its own functions with an inline policy (names glob).

const REGION = 'us-east-2';
const lambda = client(LambdaClient, REGION);
const prefix = unique('tv-chg');
const names = ['plain', 'config', 'alias', 'rule', 'queue'].map((role) => `${prefix}-${role}`);
const [plain, configured, aliased, ruled, queued] = names as [string, string, string, string, string];
let directory: string;
let storeUrl: string;
let ruleName: string;
let ruleTarget: string;

/** Lambda API calls per command while `work` runs (the kind's cached client for the region). */
async function lambdaCalls<T>(work: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> {
  const calls: Record<string, number> = {};
  lambda.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      calls[name] = (calls[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countLambdaCalls' },
  );
  try {
    return { result: await work(), calls };
  } finally {
    lambda.middlewareStack.remove('countLambdaCalls');
  }
}

const backup = () =>
  runStateMachineLocally('backup.asl.yaml', {
    store: storeUrl,
    regions: [REGION],
    include: ['lambda-function'],
    policy: { name: 'change-detection', select: { regions: [REGION], names: [`${prefix}-*`] } },
  });

async function summaries(runId: string) {
  const manifest = parseOrThrow(Manifest, await openStore(storeUrl).getJson(manifestKey(runId)), 'manifest');
  const mine = manifest.items.filter((item) => names.includes(item.name));
  return {
    manifest,
    changes: Object.fromEntries(
      mine.map((item) => [item.name, { change: item.summary?.change, reasons: item.summary?.reasons }]),
    ),
  };
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-changes-'));
  storeUrl = `file://${directory}`;
  const arns = new Map<string, string>();
  for (const name of names) arns.set(name, (await createTestFunction(REGION, name)).arn);
  // The alias function has versions 1 and 2; its alias starts on 1.
  await lambda.send(new PublishVersionCommand({ FunctionName: aliased }));
  await lambda.send(
    new UpdateFunctionCodeCommand({
      FunctionName: aliased,
      ZipFile: zipFiles({ 'index.js': 'exports.handler = async () => 2;\n' }),
    }),
  );
  await lambda.send(new PublishVersionCommand({ FunctionName: aliased }));
  await lambda.send(new CreateAliasCommand({ FunctionName: aliased, Name: 'live', FunctionVersion: '1' }));
  // The rule function is the target of an EventBridge rule, with the permission that needs.
  const events = client(EventBridgeClient, REGION);
  ruleName = unique('tv-chg-rule');
  const rule = await events.send(new PutRuleCommand({ Name: ruleName, ScheduleExpression: 'rate(1 hour)' }));
  ruleTarget = arns.get(ruled) as string;
  await events.send(
    new PutTargetsCommand({ Rule: ruleName, Targets: [{ Id: 'fn', Arn: ruleTarget, Input: '{"v":1}' }] }),
  );
  await allowInvoke(REGION, {
    functionName: ruled,
    sid: 'rule',
    service: 'events.amazonaws.com',
    sourceArn: rule.RuleArn,
  });
  // The queue function reads an SQS queue (an event-source mapping).
  const sqs = client(SQSClient, REGION);
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: unique('tv-chg-queue') }))).QueueUrl;
  const queueArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  await lambda.send(
    new CreateEventSourceMappingCommand({ FunctionName: queued, EventSourceArn: queueArn, BatchSize: 5 }),
  );
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('change detection for functions', () => {
  it('captures nothing again when nothing changed, and exactly what changed afterwards', async () => {
    // Prepare: a first, full run
    const first = await backup();
    expect((await summaries(first.summary.runId)).changes).toEqual(
      Object.fromEntries(names.map((name) => [name, { change: 'captured', reasons: ['new'] }])),
    );
    // Act 1: nothing changed
    const { result: second, calls } = await lambdaCalls(backup);
    // Assess 1: no function captured again, each cost one ListAliases
    expect(second.summary.status).toBe('succeeded');
    expect((await summaries(second.summary.runId)).changes).toEqual(
      Object.fromEntries(names.map((name) => [name, { change: 'unchanged', reasons: [] }])),
    );
    expect(calls.GetFunctionCommand ?? 0).toBe(0);
    expect(calls.ListAliasesCommand).toBe(names.length);
    // Prepare 2: one configuration, one alias and one trigger change
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: configured,
        Environment: { Variables: { MODE: 'changed' } },
      }),
    );
    await lambda.send(new UpdateAliasCommand({ FunctionName: aliased, Name: 'live', FunctionVersion: '2' }));
    await client(EventBridgeClient, REGION).send(
      new PutTargetsCommand({ Rule: ruleName, Targets: [{ Id: 'fn', Arn: ruleTarget, Input: '{"v":2}' }] }),
    );
    // Act 2
    const third = await backup();
    // Assess 2: exactly those three captured again, each for its reason
    const { manifest, changes } = await summaries(third.summary.runId);
    expect(changes).toEqual({
      [plain]: { change: 'unchanged', reasons: [] },
      [configured]: { change: 'captured', reasons: ['configuration'] },
      [aliased]: { change: 'captured', reasons: ['aliases'] },
      [ruled]: { change: 'triggers', reasons: ['triggers'] },
      [queued]: { change: 'unchanged', reasons: [] },
    });
    const report = new Map(manifest.changes?.functions.map((change) => [change.name, change]));
    expect(report.get(configured)?.config).toEqual([{ field: 'Environment.Variables.MODE' }]);
    expect(report.get(aliased)?.config).toEqual([
      { field: 'aliases.live', from: { version: '1', routing: null }, to: { version: '2', routing: null } },
    ]);
    const snapshot = await loadFunctionSnapshot(openStore(storeUrl), third.summary.runId, REGION, ruled);
    expect(snapshot.triggers.map((trigger) => (trigger.config.Target as { Input?: string }).Input)).toEqual([
      '{"v":2}',
    ]);
    const mapping = await loadFunctionSnapshot(openStore(storeUrl), third.summary.runId, REGION, queued);
    expect(mapping.triggers.map((trigger) => trigger.config.BatchSize)).toEqual([5]);
  });
});
