import { join } from 'node:path';
import { EventBridgeClient, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { client } from '../../../src/aws/clients.js';
import { HISTORY_EVENT_QUOTA, PAYLOAD_QUOTA_BYTES } from '../../../src/local/history.js';
import type { BackupResult } from '../../child.js';
import type { BudgetSummary } from '../budget-summary.js';
import { runOurs } from '../ours.js';
import { type Figure, ratio } from '../report.js';
import { seedBucket, seedFunctions, seedStream, seedTable } from '../seed.js';
import { type BenchContext, measure, type SectionResult, tenth, withEndpoint } from './context.js';

/**
 * Step Functions budgets and change detection, measured on the real kinds (see BENCHMARKS.md,
 * "orchestration" and "incremental"):
 *   budgets   an account of every kind at 1× and 10× (functions, a bucket, a table, a stream, in
 *             chunks of 100 so that chunks grow with the data) run through the state machine; per
 *             execution (parent and each Distributed Map child) the history events and the largest
 *             state payload a deployed run would record (src/local/history.ts), against 80% of the
 *             quotas (25,000 events, 256 KiB)
 *   changes   200 functions behind the latency proxy: the first run, a run with nothing changed
 *             (requests and time ≤ 10% of the first), and a run after one configuration, one alias
 *             and one trigger changed (exactly those three captured again)
 * A section of its own: it seeds its own regions and needs nothing from the other sections.
 */

const BUDGET_EVENTS = 0.8 * HISTORY_EVENT_QUOTA;
const BUDGET_BYTES = Math.floor(0.8 * PAYLOAD_QUOTA_BYTES);
/** Items (objects, records) per chunk in the budget runs: chunks, and child histories, grow with the data. */
const CHUNK = 100;
const DEFAULT_REGIONS = { oneX: 'ap-south-1', tenX: 'ap-northeast-1', changes: 'ap-southeast-1' };
const KINDS = ['lambda-function', 's3-bucket', 'dynamodb-table', 'kinesis-stream'] as const;

async function seedAccount(context: BenchContext, region: string, scale: (value: number) => number) {
  const { sizes } = context;
  const prefix = `budget-${region}`;
  await seedFunctions(region, scale(sizes.functions), prefix);
  await seedBucket(region, `${prefix}-bucket`, {
    small: scale(sizes.s3Small),
    smallBytes: sizes.s3SmallBytes,
    large: 0,
    largeBytes: 0,
  });
  await seedTable(region, `${prefix}-table`, scale(sizes.dynamoItems), { itemBytes: sizes.dynamoItemBytes });
  await seedStream(region, `${prefix}-stream`, sizes.kinesisShards, scale(sizes.kinesisPerShard));
  return {
    store: `file://${join(context.workDir, `budget-store-${region}`)}`,
    regions: [region],
    buckets: [`${prefix}-bucket`],
    tables: [`${prefix}-table`],
    streams: [`${prefix}-stream`],
  };
}

const budgetOf = (run: BackupResult): BudgetSummary => run.budgets;

function budgetFigures(one: BackupResult, ten: BackupResult): Figure[] {
  const [a, b] = [budgetOf(one), budgetOf(ten)];
  const figures: Figure[] = [
    {
      section: 'budgets',
      label: 'parent execution: history events at 10× (one region)',
      value: b.parent.events,
      unit: '',
      target: { cmp: '<=', value: BUDGET_EVENTS },
      note: `1×: ${a.parent.events}; ${b.children} children at 10×, ${a.children} at 1× (each an execution of its own)`,
    },
    {
      section: 'budgets',
      label: 'parent execution: largest state payload at 10×',
      value: b.parent.maxPayloadBytes,
      unit: 'B',
      target: { cmp: '<=', value: BUDGET_BYTES },
      note: `at ${b.parent.maxPayloadAt}; 1×: ${a.parent.maxPayloadBytes} B`,
    },
  ];
  for (const kind of KINDS) {
    const [small, large] = [a.byKind[kind], b.byKind[kind]];
    figures.push(
      {
        section: 'budgets',
        label: `${kind}: most history events in one child execution at 10×`,
        value: large?.maxEvents ?? null,
        unit: '',
        target: { cmp: '<=', value: BUDGET_EVENTS },
        note: `1×: ${small?.maxEvents ?? '?'}; ${large?.children ?? 0} children; chunks of ${CHUNK}, 9 events a chunk`,
      },
      {
        section: 'budgets',
        label: `${kind}: largest state payload in one child at 10×`,
        value: large?.maxPayloadBytes ?? null,
        unit: 'B',
        target: { cmp: '<=', value: BUDGET_BYTES },
        note: `at ${large?.maxPayloadAt ?? '?'}; 1×: ${small?.maxPayloadBytes ?? '?'} B`,
      },
    );
  }
  return figures;
}

/** One configuration, one alias and one trigger change, on three different seeded functions. */
async function changeThree(region: string, names: string[]): Promise<string[]> {
  // Seeded functions 0, 1 and 3: an SQS mapping, an S3 notification and an EventBridge rule each.
  const [configured, aliased, ruled] = [names[0], names[1], names[3]] as [string, string, string];
  const lambda = client(LambdaClient, region);
  await lambda.send(
    new UpdateFunctionConfigurationCommand({
      FunctionName: configured,
      Environment: { Variables: { CHANGED: 'yes' } },
    }),
  );
  await lambda.send(new UpdateAliasCommand({ FunctionName: aliased, Name: 'live', FunctionVersion: '1' }));
  const target = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: ruled })))
    .FunctionArn;
  await client(EventBridgeClient, region).send(
    new PutTargetsCommand({
      Rule: `${ruled}-schedule`,
      Targets: [{ Id: 'fn', Arn: target, Input: '{"changed":true}' }],
    }),
  );
  return [configured, aliased, ruled];
}

export async function budgetsSection(context: BenchContext): Promise<SectionResult> {
  const { log, sizes } = context;
  const REGIONS = context.names.budgetRegions ?? DEFAULT_REGIONS;
  const P = `${context.latencyMs} ms proxy`;
  const env = { TRIGGERVAULT_CHUNK_ITEMS: String(CHUNK) };
  log(`budgets: seeding every kind at 1× and 10× (${sizes.functions} functions at 10×)`);
  const direct = context.direct.endpoint;
  const oneInput = await withEndpoint(direct, () => seedAccount(context, REGIONS.oneX, tenth));
  const tenInput = await withEndpoint(direct, () => seedAccount(context, REGIONS.tenX, (value) => value));
  log('budgets: ours at 1× and 10×, every kind');
  const one = await runOurs(oneInput, {
    endpoint: direct,
    directEndpoint: direct,
    env,
    region: REGIONS.oneX,
  });
  const ten = await runOurs(tenInput, {
    endpoint: direct,
    directEndpoint: direct,
    env,
    region: REGIONS.tenX,
  });

  log(`budgets: change detection, ${sizes.functions} functions, ${P}`);
  const seeded = await withEndpoint(direct, () => seedFunctions(REGIONS.changes, sizes.functions, 'changes'));
  const input = {
    store: `file://${join(context.workDir, 'changes-store')}`,
    regions: [REGIONS.changes],
    include: ['lambda-function'],
  };
  const ours = () =>
    runOurs(input, { endpoint: context.proxy.endpoint, directEndpoint: direct, region: REGIONS.changes });
  const first = await measure(context, context.proxy, ours);
  const again = await measure(context, context.proxy, ours);
  const changed = await withEndpoint(direct, () => changeThree(REGIONS.changes, seeded.names));
  const third = await measure(context, context.proxy, ours);
  const recaptured = third.result.items.filter((item) => item.summary?.change !== 'unchanged');
  const describe = (items: BackupResult['items']) =>
    items.map(
      (item) =>
        `${item.name} (${item.summary?.change}: ${(item.summary?.reasons as string[] | undefined)?.join(',')})`,
    );
  const figures: Figure[] = [
    ...budgetFigures(one, ten),
    {
      section: 'incremental',
      label: `lambda: requests of a run with nothing changed / first, ${P}`,
      value: (ratio(again.stats.requests, first.stats.requests) ?? Number.NaN) * 100,
      unit: '%',
      target: { cmp: '<=', value: 10 },
      note: `${again.stats.requests} requests vs ${first.stats.requests} for ${seeded.names.length} functions`,
    },
    {
      section: 'incremental',
      label: `lambda: time of a run with nothing changed / first, ${P}`,
      value: (ratio(again.result.ms, first.result.ms) ?? Number.NaN) * 100,
      unit: '%',
      target: { cmp: '<=', value: 10 },
      note: `${(again.result.ms / 1000).toFixed(1)} s vs ${(first.result.ms / 1000).toFixed(1)} s`,
    },
    {
      section: 'incremental',
      label: 'lambda: functions captured again after 1 configuration, 1 alias and 1 trigger change',
      value: recaptured.length,
      unit: '',
      target: { cmp: '=', value: 3 },
      note: `${describe(recaptured).join('; ')}; changed: ${changed.join(', ')}; ${third.stats.requests} requests`,
    },
  ];
  return {
    figures,
    details: {
      budgets: {
        oneX: { ...budgetOf(one), stateTransitions: one.stateTransitions, ms: Math.round(one.ms) },
        tenX: { ...budgetOf(ten), stateTransitions: ten.stateTransitions, ms: Math.round(ten.ms) },
        chunkItems: CHUNK,
      },
      changes: {
        functions: seeded.names.length,
        first: {
          stateTransitions: first.result.stateTransitions,
          handlerMs: first.result.handlerMs,
          ms: Math.round(first.result.ms),
          requests: first.stats.requests,
          byOperation: first.stats.byOperation,
        },
        unchanged: {
          stateTransitions: again.result.stateTransitions,
          ms: Math.round(again.result.ms),
          requests: again.stats.requests,
          byOperation: again.stats.byOperation,
          handlerMs: again.result.handlerMs,
        },
        afterChanges: {
          ms: Math.round(third.result.ms),
          requests: third.stats.requests,
          recaptured: describe(recaptured),
        },
      },
    },
  };
}
