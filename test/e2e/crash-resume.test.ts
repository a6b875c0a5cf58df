import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
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
import { itemResultKey, manifestKey } from '../../src/store/layout.js';
import { openStore } from '../../src/store/open.js';
import { unique } from '../helpers/aws.js';
import { readParts } from '../helpers/kinds.js';

// A GovCloud region (moto serves every partition): DynamoDB and a file store only, nothing partition-bound.
const REGION = 'tv-crash-1';
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

/** The test-only preload that makes the CLI kill itself right after its first checkpoint. */
const CRASH_AFTER_CHECKPOINT = pathToFileURL(resolve('test/helpers/crash-after-checkpoint.ts')).href;

describe('crash and resume', () => {
  it('a backup killed mid-export resumes to exactly the items of the table, once each', async () => {
    // Prepare: the CLI exports in chunks of 100 items, so there are checkpoints to die between
    const cli = spawn(
      process.execPath,
      // One process (tsx as a loader): tsx's own CLI runs the program in a child that SIGKILL would miss.
      [
        '--import',
        'tsx',
        '--import',
        CRASH_AFTER_CHECKPOINT,
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
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    // Act: the CLI dies by SIGKILL right after its first checkpoint; then resume
    const exit = await new Promise((settle) => cli.once('exit', (code, signal) => settle({ code, signal })));
    const runs = await listRuns(openStore(`file://${directory}`));
    const runId = runs[0]?.runId as string;
    const checkpoint = await openStore(`file://${directory}`).getJson(
      itemResultKey(runId, REGION, 'dynamodb-table', table),
    );
    const { summary } = await runStateMachineLocally('backup.asl.yaml', {
      store: `file://${directory}`,
      resume: runId,
    });
    // Assess
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(runs.map((run) => [run.runId, run.status])).toEqual([[runId, 'incomplete']]);
    expect(parseOrThrow(ItemResult, checkpoint, 'checkpoint')).toMatchObject({
      status: 'running',
      cursor: expect.anything(),
    });
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
