import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RestorePlan } from '../../schemas/restore.js';
import { client } from '../../src/aws/clients.js';
import { LOCAL_HANDLERS } from '../../src/local/handlers.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import type { DrillSummary } from '../../src/restore/drill.js';
import { restorePlanKey } from '../../src/restore/layout.js';
import type { RunListing } from '../../src/store/catalog.js';
import { openStore } from '../../src/store/open.js';
import type { BackupStore } from '../../src/store/store.js';
import { createTestFunction, unique } from '../helpers/aws.js';
import { runCli } from '../helpers/cli.js';
import { fullScan } from '../helpers/data.js';
import { runRestore } from '../helpers/restore.js';

// Two regions of this file's own (moto serves them in the aws partition). Three runs, each covering
// less than the one before, so that a point in time takes resources from different runs:
//   run1: both regions, functions and the table (3 items)        fn-a 128 MB, fn-b 128 MB
//   run2: R1 functions only; fn-a fails to back up              fn-a 256 MB, fn-b 384 MB
//   run3: R1 functions only; fn-b was deleted                    fn-a 512 MB
// As of just after run2: fn-a from run1 (failed in run2), fn-b from run2, the table from run1
// (run2 did not include tables), fn-c from run1 (run2 did not cover R2).
const R1 = 'eu-isoe-west-1';
const R2 = 'us-isof-east-1';
const lambda = client(LambdaClient, R1);
let directory: string;
let storeUrl: string;
let store: BackupStore;
const runs: string[] = [];
let afterRun2: string;
let names: { a: string; b: string; c: string; table: string };

const memory = (name: string, MemorySize: number) =>
  lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, MemorySize }));

async function backup(input: Record<string, unknown>, failing?: string) {
  const snapshot = LOCAL_HANDLERS['backup-lambda-function'] as (e: unknown, c: unknown) => Promise<unknown>;
  const { summary } = await runStateMachineLocally(
    'backup.asl.yaml',
    { store: storeUrl, include: ['lambda-function'], ...input },
    {
      retryIntervalMs: 1,
      handlers: {
        'backup-lambda-function': async (event, context) => {
          if ((event as { name: string }).name === failing)
            throw Object.assign(new Error(`code of ${failing} could not be fetched`), {
              name: 'IntegrityError',
            });
          return snapshot(event, context);
        },
      },
    },
  );
  runs.push(summary.runId);
  return summary;
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-pit-'));
  storeUrl = `file://${directory}/store`;
  store = openStore(storeUrl);
  names = { a: unique('pit-a'), b: unique('pit-b'), c: unique('pit-c'), table: unique('pit-orders') };
  await createTestFunction(R1, names.a);
  await createTestFunction(R1, names.b);
  await createTestFunction(R2, names.c);
  const dynamo = client(DynamoDBClient, R1);
  await dynamo.send(
    new CreateTableCommand({
      TableName: names.table,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const put = (pk: string) =>
    dynamo.send(new PutItemCommand({ TableName: names.table, Item: { pk: { S: pk }, v: { N: '1' } } }));
  for (const pk of ['o-1', 'o-2', 'o-3']) await put(pk);

  await backup({ regions: [R1, R2], include: ['lambda-function', 'dynamodb-table'], tables: [names.table] });
  await memory(names.a, 256);
  await memory(names.b, 384);
  await put('o-4');
  const run2 = await backup({ regions: [R1] }, names.a);
  expect(run2.status).toBe('partial');
  afterRun2 = new Date().toISOString();
  await lambda.send(new DeleteFunctionCommand({ FunctionName: names.b }));
  await memory(names.a, 512);
  await backup({ regions: [R1] });
}, 300_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('--as-of: the newest run at or before a time, per region and resource', () => {
  it('plans each resource from its own run (restore --as-of --dry-run)', () => {
    const result = runCli(['restore', '--bucket', storeUrl, '--as-of', afterRun2, '--dry-run', '--json']);
    expect(result.stderr).not.toContain('triggervault:');
    const report = JSON.parse(result.stdout) as {
      run: string;
      pointInTime: { resources: { region: string; name: string; run: string | null }[] };
    };
    expect(report.run).toBe(runs[1]);
    const from = Object.fromEntries(
      report.pointInTime.resources.map((resource) => [resource.name, resource.run]),
    );
    expect(from).toEqual({
      [names.a]: runs[0],
      [names.b]: runs[1],
      [names.c]: runs[0],
      [names.table]: runs[0],
    });
  });

  it('restores each resource as its run holds it, and records the run in the plan', async () => {
    const summary = await runRestore({ store: storeUrl, asOf: afterRun2, regions: [R1], nameSuffix: '-pit' });
    expect(summary.status).toBe('restored');
    expect(summary.run).toBe(runs[1]);
    const configuration = (name: string) =>
      lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${name}-pit` }));
    expect((await configuration(names.a)).MemorySize).toBe(128); // run1's: run2 failed it
    expect((await configuration(names.b)).MemorySize).toBe(384); // run2's
    // run1's three items, not the four the table holds now (run2 left tables out).
    expect((await fullScan(R1, `${names.table}-pit`)).map((item) => item.pk?.S).sort()).toEqual([
      'o-1',
      'o-2',
      'o-3',
    ]);
    const plan = RestorePlan.parse(await store.getJson(restorePlanKey(summary.run, summary.restoreId)));
    expect(plan.asOf).toBe(new Date(afterRun2).toISOString());
    expect(plan.regions.map((region) => region.source)).toEqual([R1]);
    expect(
      Object.fromEntries(plan.regions[0]?.resources.map((resource) => [resource.name, resource.run]) ?? []),
    ).toEqual({ [names.a]: runs[0], [names.b]: runs[1], [names.table]: runs[0] });
  }, 180_000);

  it('drills the point in time: every copy compares equal with the run it came from', async () => {
    const { summary } = await runStateMachineLocally('restore.asl.yaml', {
      drill: true,
      store: storeUrl,
      asOf: afterRun2,
      regions: [R1],
    });
    const drill = summary as unknown as DrillSummary;
    expect(drill.errors).toEqual([]);
    expect(drill.status).toBe('passed');
    expect(drill.compared).toBe(3);
    expect(drill.leftovers).toBe(0);
  }, 240_000);

  it('verifies the artifacts of every resource of the point in time', () => {
    const result = runCli(['verify', '--bucket', storeUrl, '--as-of', afterRun2]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `^point in time ${afterRun2} \\(4 resources from 2 runs\\): signed, everything intact \\(\\d+ artifacts re-hashed`,
      ),
    );
  });

  it('refuses a time before the first run with exit 2, naming the flag, and writes nothing', async () => {
    const result = runCli(['restore', '--bucket', storeUrl, '--as-of', '2001-01-01T00:00:00Z']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--as-of: 2001-01-01T00:00:00.000Z is before the first complete run');
    const bad = runCli(['drill', '--bucket', storeUrl, '--as-of', 'yesterday']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('asOf: must be an ISO 8601 time');
    // Only the restores above exist (the dry run, the restore and the drill), all beside run2.
    const restores = await Promise.all(runs.map((run) => store.children(`runs/${run}/restores/`)));
    expect(restores.map((ids) => ids.length)).toEqual([0, 3, 0]);
  });

  it('lists what each run holds: regions, kinds and counts', () => {
    const result = runCli(['list', '--bucket', storeUrl, '--json']);
    expect(result.status).toBe(0);
    const listed = JSON.parse(result.stdout) as RunListing[];
    expect(listed.map((run) => run.runId)).toEqual(runs);
    expect(listed[0]?.holds?.regions).toEqual([R1, R2]);
    expect(listed[0]?.holds?.holdings).toContainEqual({
      region: R1,
      kind: 'dynamodb-table',
      resources: 1,
      failed: 0,
      units: { items: 3 },
    });
    expect(listed[1]?.holds).toMatchObject({ regions: [R1], kinds: ['lambda-function'] });
    expect(listed[1]?.holds?.holdings).toEqual([
      { region: R1, kind: 'lambda-function', resources: 2, failed: 1, units: {} },
    ]);
  });
});
