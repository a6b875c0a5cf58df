import { spawn } from 'node:child_process';
import { mkdtemp, rm, watch } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  paginateScan,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseOrThrow } from '../../schemas/common.js';
import { Manifest } from '../../schemas/manifest.js';
import { ItemResult } from '../../schemas/work-item.js';
import { client } from '../../src/aws/clients.js';
import { listRuns } from '../../src/cli/commands.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import { manifestKey } from '../../src/store/layout.js';
import { openStore } from '../../src/store/open.js';
import { unique } from '../helpers/aws.js';
import { readParts } from '../helpers/kinds.js';

const REGION = 'af-south-1';
const ITEMS = 1500;
const table = unique('tv-crash');
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-crash-'));
  const ddb = client(DynamoDBClient, REGION);
  await ddb.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  for (let start = 0; start < ITEMS; start += 25) {
    await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [table]: Array.from({ length: 25 }, (_, offset) => ({
            PutRequest: {
              Item: {
                id: { S: `item-${start + offset}` },
                n: { N: String(start + offset) },
                pad: { S: 'x'.repeat(200) },
              },
            },
          })),
        },
      }),
    );
  }
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Resolves with the run id once a checkpoint shows the table export mid-way. */
async function firstCheckpoint(abort: AbortSignal): Promise<string> {
  for await (const event of watch(directory, { recursive: true, signal: abort })) {
    const name = event.filename ?? '';
    if (!name.endsWith(`dynamodb-table/${table}.json`)) continue;
    const runId = name.split('/')[1] as string;
    const stored = await openStore(`file://${directory}`)
      .getJson(name)
      .catch(() => undefined);
    if (stored && parseOrThrow(ItemResult, stored, 'checkpoint').status === 'running') return runId;
  }
  throw new Error('watch ended');
}

describe('crash and resume', () => {
  it('a backup killed mid-export resumes to exactly the items of the table, once each', async () => {
    // Prepare: the CLI exports in chunks of 100 items, so there are checkpoints to die between
    const watching = new AbortController();
    const checkpoint = firstCheckpoint(watching.signal);
    const cli = spawn(
      process.execPath,
      // One process (tsx as a loader): tsx's own CLI runs the program in a child that SIGKILL would miss.
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'backup',
        '--bucket',
        `file://${directory}`,
        '--regions',
        REGION,
        '--include',
        'dynamodb-table',
        '--tables',
        table,
        '--json',
      ],
      {
        env: { ...process.env, TRIGGERVAULT_CHUNK_ITEMS: '100', TRIGGERVAULT_SCAN_SEGMENTS: '2' },
        stdio: 'ignore',
      },
    );
    const exited = new Promise((resolve) => cli.once('exit', resolve));
    // Act: SIGKILL at the first checkpoint, then resume
    const runId = await checkpoint;
    cli.kill('SIGKILL');
    await exited;
    watching.abort();
    const beforeResume = (await listRuns(openStore(`file://${directory}`))).find(
      (run) => run.runId === runId,
    );
    const { summary } = await runStateMachineLocally('backup.asl.yaml', {
      store: `file://${directory}`,
      resume: runId,
    });
    // Assess
    expect(beforeResume?.status).toBe('incomplete');
    expect(summary).toMatchObject({ runId, status: 'succeeded' });
    const store = openStore(`file://${directory}`);
    const manifest = parseOrThrow(Manifest, await store.getJson(manifestKey(runId)), 'manifest');
    const artifacts = manifest.items.flatMap((item) => item.artifacts);
    const exported = ((await readParts(store, artifacts, 'data')) as { Item: { id: { S: string } } }[]).map(
      (line) => line.Item.id.S,
    );
    const scanned: string[] = [];
    for await (const page of paginateScan({ client: client(DynamoDBClient, REGION) }, { TableName: table })) {
      for (const item of page.Items ?? []) scanned.push(item.id?.S as string);
    }
    expect(exported).toHaveLength(ITEMS);
    expect(new Set(exported).size).toBe(ITEMS);
    expect([...exported].sort()).toEqual(scanned.sort());
  });
});
