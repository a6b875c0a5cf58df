import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteFunctionCommand, GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PolicyInput } from '../../schemas/policy.js';
import { client } from '../../src/aws/clients.js';
import { readManifest } from '../../src/cli/commands.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import { manifestKey } from '../../src/store/layout.js';
import { openStore } from '../../src/store/open.js';
import { openCopyStore } from '../../src/store/replicate.js';
import { createTestFunction, unique } from '../helpers/aws.js';
import { runCli as cli } from '../helpers/cli.js';
import { runRestore } from '../helpers/restore.js';

// Functions in a region of their own; the second copy is a bucket in yet another region.
const REGION = 'eu-south-2';
const COPY_REGION = 'ap-south-2';
const lambda = client(LambdaClient, REGION);
let directory: string;
let storeUrl: string;
let fileCopy: string;
let bucketCopy: string;
let runId: string;
let fn: Awaited<ReturnType<typeof createTestFunction>>;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-copies-'));
  storeUrl = `file://${directory}/primary`;
  fileCopy = `file://${directory}/on-premises`;
  const bucket = unique('tv-copy');
  await client(S3Client, COPY_REGION).send(
    new CreateBucketCommand({
      Bucket: bucket,
      CreateBucketConfiguration: { LocationConstraint: COPY_REGION },
    }),
  );
  bucketCopy = `s3://${bucket}/replica`;
  fn = await createTestFunction(REGION, unique('copied'));
  const policy: PolicyInput = {
    name: 'replicated',
    select: { regions: [REGION], kinds: ['lambda-function'] },
    copies: [{ store: bucketCopy, region: COPY_REGION }, { store: fileCopy }],
  };
  const { summary } = await runStateMachineLocally('backup.asl.yaml', { store: storeUrl, policy });
  expect(summary.status).toBe('succeeded');
  runId = summary.runId;
}, 120_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('copies of a finished run (another region, and a directory)', () => {
  it('copies the run to both targets, verified by hash, manifest last', async () => {
    // Assess: the summary reports both copies
    const source = openStore(storeUrl);
    const manifest = await source.measure(manifestKey(runId));
    for (const copy of [openCopyStore({ store: bucketCopy, region: COPY_REGION }), openStore(fileCopy)]) {
      // The copy's manifest is byte-identical, and every artifact in the copy hashes as recorded.
      expect(await copy.measure(manifestKey(runId))).toEqual(manifest);
      expect(cli(['verify', '--bucket', copy.url, '--run', runId]).status).toBe(0);
    }
    const copied = (await readManifest(openStore(fileCopy), runId))?.items.find(
      (item) => item.name === fn.name,
    );
    expect(copied?.artifacts.map((artifact) => artifact.role).sort()).toEqual(['code', 'config']);
  });

  it('copy repairs an artifact that went bad in a copy, re-verifying it by hash', async () => {
    // Prepare: damage the code blob in the directory copy
    const blob = (await readManifest(openStore(fileCopy), runId))?.items
      .flatMap((item) => item.artifacts)
      .find((artifact) => artifact.role === 'code');
    await appendFile(join(directory, 'on-premises', blob?.path as string), 'bit rot');
    expect(cli(['verify', '--bucket', fileCopy, '--run', runId]).status).toBe(1);
    // Act
    const result = cli(['copy', '--bucket', storeUrl, '--run', runId, '--to', fileCopy, '--json']);
    // Assess
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'copied', damaged: [] });
    expect(cli(['verify', '--bucket', fileCopy, '--run', runId]).status).toBe(0);
  });

  it('restores the function from the copy in the other region after the original is gone', async () => {
    // Prepare
    await lambda.send(new DeleteFunctionCommand({ FunctionName: fn.name }));
    // Act
    const restored = await runRestore({ store: bucketCopy, run: runId, regions: [REGION] });
    // Assess
    expect(restored.status).not.toBe('failed');
    const live = await lambda.send(new GetFunctionCommand({ FunctionName: fn.name }));
    expect(live.Configuration?.CodeSha256).toBe(fn.codeSha256);
  });

  it('refuses to copy a run that does not exist: bad input, named', async () => {
    const result = cli(['copy', '--bucket', storeUrl, '--run', '20200101T000000Z-aaaaaa', '--to', fileCopy]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('run: no run 20200101T000000Z-aaaaaa');
  });
});
