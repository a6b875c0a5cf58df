import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetAliasCommand,
  GetFunctionCommand,
  LambdaClient,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { snapshotFunction } from '../../../src/kinds/lambda-function/capture.js';
import {
  expectedPicture,
  type FunctionPicture,
  livePicture,
} from '../../../src/kinds/lambda-function/compare.js';
import type { FunctionSnapshot } from '../../../src/kinds/lambda-function/format.js';
import { runStateMachineLocally } from '../../../src/local/runner.js';
import { type SeededRegion, seedRegion } from '../../../src/local/seed.js';
import { mapperOfRestore } from '../../../src/restore/mapper.js';
import type { RestoreReport } from '../../../src/restore/report.js';
import { openStore } from '../../../src/store/open.js';
import type { BackupStore } from '../../../src/store/store.js';
import { clearListingMemos, listTriggers, loadFunctionRef } from '../../../src/triggers/index.js';
import { snsSubscriptionTrigger } from '../../../src/triggers/sns-subscription.js';
import type { TriggerRecord } from '../../../src/triggers/types.js';
import { runRestore, wipeFunctions } from '../../helpers/restore.js';

// One region of its own: seedRegion creates fixed names.
const REGION = 'ca-west-1';
let directory: string;
let storeUrl: string;
let scratch: BackupStore;
let runId: string;
let seeded: SeededRegion;
const originals: Record<string, FunctionSnapshot> = {};
const restored: Record<string, FunctionPicture> = {};

const exists = async (name: string) =>
  client(LambdaClient, REGION)
    .send(new GetFunctionCommand({ FunctionName: name }))
    .then(() => true)
    .catch(() => false);

const cli = (args: string[]) =>
  spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
    env: process.env,
  });

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-restore-'));
  storeUrl = `file://${directory}/store`;
  scratch = openStore(`file://${directory}/scratch`);
  seeded = await seedRegion(REGION, { items: 5, objects: 2, records: 5 });
  const { summary } = await runStateMachineLocally('backup.asl.yaml', {
    store: storeUrl,
    regions: [REGION],
    include: ['lambda-function'],
  });
  expect(summary.status).toBe('succeeded');
  runId = summary.runId;
  clearListingMemos();
  for (const name of seeded.functions) originals[name] = await snapshotFunction(scratch, REGION, name);
  await wipeFunctions(REGION, seeded.functions);
}, 240_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('restore of functions and their triggers, round trip on the emulator', () => {
  it('--dry-run prints the plan: every function and trigger to create, and creates nothing', () => {
    // Act
    const result = cli(['restore', '--bucket', storeUrl, '--run', runId, '--dry-run', '--json']);
    // Assess
    const problem = result.stderr.split('\n').filter((line) => line.startsWith('triggervault:'));
    expect({ status: result.status, problem }).toEqual({ status: 0, problem: [] });
    const plan = JSON.parse(result.stdout) as RestoreReport;
    expect(plan.dryRun).toBe(true);
    const functions = plan.items.filter((item) => item.kind === 'lambda-function');
    expect(functions.map((item) => [item.name, item.action]).sort()).toEqual(
      seeded.functions.map((name) => [name, 'create']).sort(),
    );
    const triggers = plan.items.filter((item) => item.kind === 'triggers').flatMap((item) => item.changes);
    expect(triggers.length).toBeGreaterThanOrEqual(9);
    expect(triggers.filter((change) => change.action !== 'create')).toEqual([]);
    expect(
      plan.items.find((item) => item.kind === 'lambda-layer')?.changes.map((change) => change.action),
    ).toEqual(['create']);
  });

  it('created nothing during the dry run', async () => {
    // Act
    const found = await Promise.all(seeded.functions.map(exists));
    // Assess
    expect(found).toEqual(seeded.functions.map(() => false));
  });

  it('restores every function as it was, with its triggers re-wired to it', async () => {
    // Act
    const summary = await runRestore({ store: storeUrl, run: runId });
    // Assess
    expect(summary.problems).toEqual([]);
    expect(summary.status).toBe('restored');
    // The originals with the restore's documented mapping: same region and names, layers re-published
    // (compared by name and code), stream mappings starting at LATEST; generated ids left out.
    const mapper = await mapperOfRestore(openStore(storeUrl), runId, summary.restoreId, REGION);
    const pictures = [];
    for (const name of seeded.functions) {
      const expected = expectedPicture(originals[name] as FunctionSnapshot, mapper);
      const picture = await livePicture(scratch, REGION, name);
      expect({ name, picture }).toEqual({ name, picture: expected });
      pictures.push(picture);
      restored[name] = picture;
    }
    // Every moto-supported trigger type came back, and every function's versions, alias and layer.
    const triggerTypes = pictures.flatMap((picture) =>
      picture.triggers.map((trigger) => (trigger as { type: string }).type),
    );
    expect([...new Set(triggerTypes)].sort()).toEqual([
      'apigateway-http',
      'apigateway-rest',
      'event-source-mapping',
      'eventbridge-rule',
      'eventbridge-schedule',
      's3-notification',
      'sns-subscription',
    ]);
    expect(triggerTypes).toHaveLength(9);
    expect(pictures.map((picture) => picture.versions.map((version) => version.version))).toEqual(
      pictures.map(() => ['1', '2']),
    );
    expect(pictures.map((picture) => picture.aliases.length)).toEqual(pictures.map(() => 1));
    expect(pictures.map((picture) => picture.layers.map((layer) => layer.name))).toEqual(
      pictures.map(() => ['shared-utils']),
    );
  });

  it('a second restore finds everything unchanged and changes nothing', async () => {
    // Act
    const summary = await runRestore({ store: storeUrl, run: runId });
    // Assess
    const report = (await openStore(storeUrl).getJson(summary.report)) as RestoreReport;
    const changed = report.items.flatMap((item) =>
      item.changes
        .filter((change) => change.action !== 'unchanged')
        .map((change) => `${item.name}: ${change.resource} ${change.action}`),
    );
    expect(changed).toEqual([]);
    expect(summary.status).toBe('restored');
  });

  it('reports an existing function that differs, leaves it alone, and changes it only with --force', async () => {
    // Prepare
    const lambda = client(LambdaClient, REGION);
    await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'orders-api', MemorySize: 512 }),
    );
    await lambda.send(
      new UpdateAliasCommand({
        FunctionName: 'notify',
        Name: 'live',
        RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } },
      }),
    );
    const only = ['--only', 'lambda-function:orders-api,lambda-function:notify'];
    // Act
    const refused = cli(['restore', '--bucket', storeUrl, '--run', runId, ...only, '--json']);
    const memoryAfterRefusal = (await lambda.send(new GetFunctionCommand({ FunctionName: 'orders-api' })))
      .Configuration?.MemorySize;
    const forced = cli(['restore', '--bucket', storeUrl, '--run', runId, ...only, '--force', '--json']);
    // Assess
    expect(refused.status).toBe(1);
    const report = JSON.parse(refused.stdout) as RestoreReport;
    const differs = report.items.flatMap((item) =>
      item.changes
        .filter((change) => change.action === 'differs')
        .map((change) => ({ resource: change.resource, fields: change.fields })),
    );
    expect(differs).toEqual([
      {
        resource: 'alias live of notify',
        fields: [{ field: 'RoutingConfig.AdditionalVersionWeights.1', current: 0.5, desired: 0.1 }],
      },
      { resource: 'function orders-api', fields: [{ field: 'MemorySize', current: 512, desired: 256 }] },
    ]);
    expect(memoryAfterRefusal).toBe(512);
    expect(forced.status).toBe(0);
    expect(
      (await lambda.send(new GetFunctionCommand({ FunctionName: 'orders-api' }))).Configuration?.MemorySize,
    ).toBe(256);
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: 'notify', Name: 'live' }));
    expect(alias.RoutingConfig?.AdditionalVersionWeights).toEqual({ '1': 0.1 });
  });

  it('--name-suffix restores a scratch copy beside the original, leaving shared sources to production', async () => {
    // Act
    const summary = await runRestore({
      store: storeUrl,
      run: runId,
      only: ['lambda-function:nightly-report', 'lambda-function:queue-worker'],
      nameSuffix: '-drill',
    });
    // Assess
    expect(summary.status).toBe('restored');
    const mapper = await mapperOfRestore(openStore(storeUrl), runId, summary.restoreId, REGION);
    // Rules and schedules are the trigger's own: the copy gets nightly-drill and weekly-report-drill.
    const copy = await livePicture(scratch, REGION, 'nightly-report-drill');
    expect(copy).toEqual(expectedPicture(originals['nightly-report'] as FunctionSnapshot, mapper));
    expect(copy.triggers.map((trigger) => (trigger as { id: string }).id).sort()).toEqual([
      'default/nightly-drill/report',
      'default/weekly-report-drill',
    ]);
    // A second consumer would take production's queue messages: that mapping is skipped, and said so.
    expect((await livePicture(scratch, REGION, 'queue-worker-drill')).triggers).toEqual([]);
    const report = (await openStore(storeUrl).getJson(summary.report)) as RestoreReport;
    const skipped = report.items.flatMap((item) =>
      item.changes.filter((change) => change.action === 'skipped'),
    );
    expect(skipped.map((change) => change.resource)).toEqual([
      expect.stringMatching(/^event-source-mapping /),
    ]);
    // Production is untouched.
    expect(await livePicture(scratch, REGION, 'nightly-report')).toEqual(restored['nightly-report']);
  });

  it('exits 2 naming the problem for a run without a manifest and for a malformed --only', () => {
    // Act
    const missing = cli(['restore', '--bucket', storeUrl, '--run', '20200101T000000Z-abcdef']);
    const malformed = cli(['restore', '--bucket', storeUrl, '--run', runId, '--only', 'orders-api']);
    // Assess
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('run: no run 20200101T000000Z-abcdef');
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toContain('only');
  });

  it('records a function that cannot be created as failed, blocks its triggers, and goes on', async () => {
    // Prepare: an execution role that does not exist (the emulator, like IAM, refuses it)
    const role = originals.notify?.configuration.Role as string;
    const missing = role.replace(/role\/.*/, 'role/tv-missing-role');
    // Act
    const summary = await runRestore({
      store: storeUrl,
      run: runId,
      only: ['lambda-function:notify', 'lambda-function:ingest'],
      nameSuffix: '-fail',
      roleMap: { [role]: missing },
    });
    // Assess
    expect(summary.status).toBe('incomplete');
    expect(summary.problems.map(({ kind, name, action }) => ({ kind, name, action }))).toEqual([
      { kind: 'lambda-function', name: 'ingest', action: 'failed' },
      { kind: 'lambda-function', name: 'notify', action: 'failed' },
      { kind: 'triggers', name: expect.stringMatching(/^event-source-mapping /), action: 'blocked' },
      { kind: 'triggers', name: expect.stringMatching(/^sns-subscription /), action: 'blocked' },
    ]);
    expect(summary.problems[0]?.reason).toContain('role defined for the function cannot be assumed');
    expect(await exists('notify-fail')).toBe(false);
  });
  it('re-wires a trigger removed after this process listed it (restores never compare with memoized listings)', async () => {
    // Prepare: the listings memoized as a backup in this process leaves them, then the subscription
    // removed from outside (no cache cleared), as when a topic is lost between backup and restore.
    const [subscription] = (await listTriggers(await loadFunctionRef(REGION, 'notify'))).filter(
      (record) => record.type === 'sns-subscription',
    );
    expect(subscription).toBeDefined();
    await snsSubscriptionTrigger.remove?.(REGION, subscription as TriggerRecord);
    // Act
    const summary = await runRestore({ store: storeUrl, run: runId, only: ['lambda-function:notify'] });
    // Assess: re-created, as SNS itself lists it.
    const report = (await openStore(storeUrl).getJson(summary.report)) as RestoreReport;
    const triggers = report.items.filter((item) => item.kind === 'triggers').flatMap((item) => item.changes);
    expect(triggers.map((change) => change.action)).toContain('create');
    const topic = (subscription as TriggerRecord).source as string;
    const listed = await client(SNSClient, REGION).send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topic }),
    );
    expect(listed.Subscriptions?.map((entry) => entry.Endpoint?.split(':').at(-1))).toContain('notify');
  });
});
