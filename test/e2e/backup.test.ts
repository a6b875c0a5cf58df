import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseOrThrow } from '../../schemas/common.js';
import { Manifest } from '../../schemas/manifest.js';
import { client } from '../../src/aws/clients.js';
import { planRun } from '../../src/backup/plan.js';
import { listRuns } from '../../src/cli/commands.js';
import type { FunctionSnapshot } from '../../src/kinds/lambda-function/format.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import { manifestKey } from '../../src/store/layout.js';
import { openStore } from '../../src/store/open.js';
import { lambdaRole, unique } from '../helpers/aws.js';
import { createFunctionsWithBoto3 } from '../helpers/outside-client.js';

// Regions used by no other test file, so discovery sees exactly what this file created.
const REGIONS = ['ca-central-1', 'sa-east-1'];
let directory: string;
let storeUrl: string;
const created: Record<string, string[]> = {};

async function runBackup(input: Record<string, unknown>) {
  return runStateMachineLocally('backup.asl.yaml', {
    store: storeUrl,
    include: ['lambda-function'],
    ...input,
  });
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-e2e-'));
  storeUrl = `file://${directory}`;
  const role = await lambdaRole();
  for (const region of REGIONS) {
    created[region] = [unique('outside-a'), unique('outside-b'), unique('outside-c')];
    createFunctionsWithBoto3(region, created[region] as string[], role);
  }
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('backup state machine, end to end on the emulator', () => {
  let runId: string;

  it('captures every function created by an outside client in two regions', async () => {
    // Act
    const { summary } = await runBackup({ regions: REGIONS });
    runId = summary.runId;
    // Assess
    expect(summary.status).toBe('succeeded');
    const manifest = parseOrThrow(
      Manifest,
      await openStore(storeUrl).getJson(manifestKey(runId)),
      'manifest',
    );
    for (const region of REGIONS) {
      const names = manifest.items
        .filter((item) => item.region === region && item.kind === 'lambda-function')
        .map((item) => item.name);
      expect(names.sort()).toEqual([...(created[region] as string[])].sort());
    }
    expect(manifest.verified.damaged).toEqual([]);
  });

  it('stores code whose bytes hash to the CodeSha256 Lambda reports', async () => {
    // Prepare
    const region = REGIONS[0] as string;
    const name = (created[region] as string[])[0] as string;
    const store = openStore(storeUrl);
    const snapshot = (await store.getJson(
      `runs/${runId}/artifacts/${region}/lambda-function/${name}/function.json`,
    )) as FunctionSnapshot;
    const reported = await client(LambdaClient, region).send(new GetFunctionCommand({ FunctionName: name }));
    // Act
    const bytes = await readFile(join(directory, (snapshot.code as { path: string }).path));
    // Assess
    expect(createHash('sha256').update(bytes).digest('base64')).toBe(reported.Configuration?.CodeSha256);
    expect(snapshot.tags).toEqual({ 'created-by': 'boto3' });
  });

  it('verify exits 1 and names the artifact after one stored blob is altered', async () => {
    // Prepare
    const manifest = parseOrThrow(
      Manifest,
      await openStore(storeUrl).getJson(manifestKey(runId)),
      'manifest',
    );
    const blob = manifest.items
      .flatMap((item) => item.artifacts)
      .find((artifact) => artifact.role === 'code');
    expect(blob).toBeDefined();
    const cli = (args: string[]) =>
      spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/cli/main.ts', ...args], {
        encoding: 'utf8',
        env: process.env,
      });
    expect(cli(['verify', '--bucket', storeUrl, '--run', runId]).status).toBe(0);
    // Act
    await appendFile(join(directory, blob?.path as string), 'tampered');
    const result = cli(['verify', '--bucket', storeUrl, '--run', runId]);
    // Assess
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`DAMAGED ${blob?.path}`);
  });

  it('fails in Plan with a message naming the field when the input is {"regions": 5}', async () => {
    await expect(runBackup({ regions: 5 })).rejects.toThrow(/regions/);
  });

  it('runs with input {} from the configured defaults', async () => {
    // Prepare
    process.env.TRIGGERVAULT_REGIONS = REGIONS[1];
    process.env.TRIGGERVAULT_STORE = storeUrl;
    try {
      // Act
      const { summary } = await runStateMachineLocally('backup.asl.yaml', {});
      // Assess
      expect(summary.status).toBe('succeeded');
      expect(Object.keys(summary.regions)).toEqual([REGIONS[1]]);
      expect(summary.totals.items).toBeGreaterThanOrEqual((created[REGIONS[1] as string] as string[]).length);
    } finally {
      delete process.env.TRIGGERVAULT_REGIONS;
      delete process.env.TRIGGERVAULT_STORE;
    }
  });

  it('lists a run without a manifest as incomplete, never complete', async () => {
    // Prepare: a run that planned but never finalized
    const plan = await planRun({ store: storeUrl, regions: [REGIONS[0]] });
    // Act
    const runs = await listRuns(openStore(storeUrl));
    // Assess
    expect(runs.find((run) => run.runId === plan.runId)?.status).toBe('incomplete');
    expect(runs.find((run) => run.runId === runId)?.status).toBe('succeeded');
  });
});
