import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RestorePlan } from '../../schemas/restore.js';
import { client } from '../../src/aws/clients.js';
import { ifExists } from '../../src/aws/errors.js';
import { LOCAL_HANDLERS } from '../../src/local/handlers.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import { zipFiles } from '../../src/local/zip.js';
import type { DrillReport } from '../../src/restore/drill.js';
import { restorePlanKey } from '../../src/restore/layout.js';
import type { RestoreReport } from '../../src/restore/report.js';
import { RunCatalog } from '../../src/store/catalog.js';
import { sha256Hex } from '../../src/store/hashing.js';
import { manifestKey } from '../../src/store/layout.js';
import { openStore } from '../../src/store/open.js';
import { ensureBackupBucket } from '../../src/store/secure-bucket.js';
import type { BackupStore } from '../../src/store/store.js';
import { unique } from '../helpers/aws.js';
import { runCli } from '../helpers/cli.js';

// Tried as an attacker who can write the store (but not sign) and as a careful user: a forged
// manifest, an edited artifact, an altered object copy and an edited code blob are each caught by
// verify and refused by restore; environment values appear in no output, report, message or copy.
//
// A region no other test file uses. moto's Lambda there only accepts a role of that region's
// partition (arn:aws-iso:iam::…), so the function's role is made there.
const REGION = 'us-iso-east-1';
const SECRET = 'hunter2-backed-up-secret-value';
const LIVE_SECRET = 'another-live-secret-value-42';
const s3 = client(S3Client, REGION);
const lambda = client(LambdaClient, REGION);
const fn = unique('tamper-fn');
const source = unique('tv-tamper-src');
const storeBucket = unique('tv-tamper-store');
let store: BackupStore;
let runId: string;
let directory: string;

const cli = (...args: string[]) => runCli(args);
const storeUrl = () => `s3://${storeBucket}`;

/** The stored bytes of a store key, and a way to put them back. */
async function keep(key: string): Promise<{ bytes: Buffer; restore: () => Promise<void> }> {
  const bytes = (await store.getBytes(key)) as Buffer;
  return { bytes, restore: async () => void (await store.putBytes(key, bytes)) };
}

/** The manifest as stored, parsed (the run is trusted at this point). */
const manifest = async () =>
  (await new RunCatalog(store).completeManifest(runId)) as NonNullable<unknown> & {
    items: {
      kind: string;
      name: string;
      artifacts: { role: string; path: string; sha256: string; bytes: number }[];
    }[];
  };
const artifactsOf = async (kind: string) =>
  (await manifest()).items.find((item) => item.kind === kind)?.artifacts ?? [];

const restoreCli = (only: string, suffix: string, ...extra: string[]) =>
  cli(
    'restore',
    '--bucket',
    storeUrl(),
    '--run',
    runId,
    '--regions',
    REGION,
    '--only',
    only,
    '--name-suffix',
    suffix,
    '--json',
    ...extra,
  );

const functionExists = async (name: string) =>
  (await ifExists(() => lambda.send(new GetFunctionCommand({ FunctionName: name })))) !== undefined;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-tamper-'));
  const role = await client(IAMClient, REGION).send(
    new CreateRoleCommand({
      RoleName: unique('tv-tamper-role'),
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: fn,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: role.Role?.Arn,
      Code: { ZipFile: zipFiles({ 'index.js': `exports.handler = async () => '${fn}';\n` }) },
      Environment: { Variables: { DB_PASSWORD: SECRET, STAGE: 'test' } },
    }),
  );
  await s3.send(
    new CreateBucketCommand({
      Bucket: source,
      CreateBucketConfiguration: { LocationConstraint: REGION as BucketLocationConstraint },
    }),
  );
  for (const [key, body] of [
    ['a.txt', 'first object'],
    ['b/data.bin', 'x'.repeat(70_000)],
    ['c.json', '{"c":3}'],
  ])
    await s3.send(new PutObjectCommand({ Bucket: source, Key: key, Body: body }));
  // The store: a bucket in the same region, made the way the stack makes it (versioned, SSE-KMS).
  await ensureBackupBucket(storeBucket, REGION);
  store = openStore(storeUrl());
  const { summary } = await runStateMachineLocally('backup.asl.yaml', {
    store: storeUrl(),
    regions: [REGION],
    include: ['lambda-function', 's3-bucket'],
    buckets: [source],
  });
  expect(summary.failed).toEqual([]);
  expect(summary.status).toBe('succeeded');
  runId = summary.runId;
}, 180_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('a backup is signed, encrypted and verifiable', () => {
  it('is signed, written SSE-KMS under the store key, and verifies cheaply and --deep', async () => {
    // Act
    const cheap = cli('verify', '--bucket', storeUrl(), '--run', runId, '--json');
    const deep = cli('verify', '--bucket', storeUrl(), '--run', runId, '--deep', '--json');
    const head = await s3.send(new HeadObjectCommand({ Bucket: storeBucket, Key: manifestKey(runId) }));
    // Assess
    expect([cheap.status, deep.status]).toEqual([0, 0]);
    const [cheapOut, deepOut] = [JSON.parse(cheap.stdout), JSON.parse(deep.stdout)];
    expect(cheapOut).toMatchObject({ trusted: true, copies: 3, methods: { 'stored-checksum': 3 } });
    expect(cheapOut.checks).toMatch(/3 object copies: 3 by stored checksum\/ETag/);
    expect(deepOut).toMatchObject({ trusted: true, copies: 3, methods: { rehashed: 3 } });
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toMatch(/^arn:aws[-a-z]*:kms:/);
    expect(await store.size(`runs/${runId}/manifest.sig.json`)).toBeGreaterThan(0);
  });
});

describe('tampering is caught by verify and refused by restore', () => {
  it('restores the untampered function (the control)', async () => {
    // Act
    const restored = restoreCli(`lambda-function:${fn}`, '-ok');
    // Assess
    expect(restored.stderr).toBe('');
    expect(restored.status).toBe(0);
    const copy = await lambda.send(new GetFunctionCommand({ FunctionName: `${fn}-ok` }));
    const original = await lambda.send(new GetFunctionCommand({ FunctionName: fn }));
    expect(copy.Configuration?.CodeSha256).toBe(original.Configuration?.CodeSha256);
  });

  it('a forged manifest (an artifact and its hash rewritten, unsigned) is untrusted: verify exits 1, restore changes nothing', async () => {
    // Prepare: the attacker edits function.json and the manifest's record of it.
    const config = (await artifactsOf('lambda-function')).find((artifact) => artifact.role === 'config');
    const [snapshot, stored] = await Promise.all([keep(config?.path ?? ''), keep(manifestKey(runId))]);
    const forged = Buffer.from(snapshot.bytes.toString().replace(/"Timeout": \d+/, '"Timeout": 900'));
    await store.putBytes(config?.path ?? '', forged);
    await store.putBytes(
      manifestKey(runId),
      Buffer.from(
        stored.bytes
          .toString()
          .replace(config?.sha256 ?? '', sha256Hex(forged))
          .replace(`"bytes": ${config?.bytes},`, `"bytes": ${forged.length},`),
      ),
    );
    try {
      // Act
      const verified = cli('verify', '--bucket', storeUrl(), '--run', runId, '--json');
      const restored = restoreCli(`lambda-function:${fn}`, '-f1');
      // Assess
      expect(verified.status).toBe(1);
      expect(JSON.parse(verified.stdout)).toMatchObject({ trusted: false });
      expect(JSON.parse(verified.stdout).problem).toMatch(/changed after/);
      expect(restored.status).toBe(1);
      expect(restored.stderr).toMatch(/manifest\.json (is \d+ bytes, no signed version|was changed)/);
      expect(await functionExists(`${fn}-f1`)).toBe(false);
    } finally {
      await snapshot.restore();
      await stored.restore();
    }
  });

  it('an edited artifact (function.json given another role) is named by verify and refused by restore', async () => {
    // Prepare
    const config = (await artifactsOf('lambda-function')).find((artifact) => artifact.role === 'config');
    const snapshot = await keep(config?.path ?? '');
    await store.putBytes(
      config?.path ?? '',
      Buffer.from(snapshot.bytes.toString().replace(/role\/[^"]+"/g, 'role/attacker"')),
    );
    try {
      // Act
      const verified = cli('verify', '--bucket', storeUrl(), '--run', runId, '--json');
      const restored = restoreCli(`lambda-function:${fn}`, '-e1');
      // Assess
      expect(verified.status).toBe(1);
      expect(JSON.parse(verified.stdout).damaged.map((d: { path: string }) => d.path)).toEqual([
        config?.path,
      ]);
      expect(restored.status).toBe(1);
      const report = JSON.parse(restored.stdout) as RestoreReport;
      const item = report.items.find((entry) => entry.kind === 'lambda-function');
      expect(item?.action).toBe('blocked');
      expect(item?.changes[0]?.note).toContain(`refused: ${config?.path}: stored `);
      expect(item?.changes[0]?.note).toContain('the manifest records');
      expect(await functionExists(`${fn}-e1`)).toBe(false);
    } finally {
      await snapshot.restore();
    }
  });

  it('an edited code blob is named by verify and refused by restore (Lambda is never handed it)', async () => {
    // Prepare
    const code = (await artifactsOf('lambda-function')).find((artifact) => artifact.role === 'code');
    const blob = await keep(code?.path ?? '');
    await store.putBytes(
      code?.path ?? '',
      Buffer.from(zipFiles({ 'index.js': 'exports.handler = async () => "pwned";\n' })),
    );
    try {
      // Act
      const verified = cli('verify', '--bucket', storeUrl(), '--run', runId, '--json');
      const restored = restoreCli(`lambda-function:${fn}`, '-c1');
      // Assess
      expect(verified.status).toBe(1);
      expect(JSON.parse(verified.stdout).damaged.map((d: { path: string }) => d.path)).toEqual([code?.path]);
      expect(restored.status).toBe(1);
      const item = (JSON.parse(restored.stdout) as RestoreReport).items.find(
        (entry) => entry.kind === 'lambda-function',
      );
      expect(item?.action).toBe('failed');
      expect(item?.error?.message).toContain(code?.path);
      expect(await functionExists(`${fn}-c1`)).toBe(false);
    } finally {
      await blob.restore();
    }
  });

  it('an altered object copy is named by verify (cheap and --deep) and never restored', async () => {
    // Prepare: one byte of the stored copy of b/data.bin changes.
    const entries: { key: string; storedAt: string }[] = [];
    for (const part of (await artifactsOf('s3-bucket')).filter(
      (artifact) => artifact.role === 'objects-index',
    ))
      for await (const line of (await import('../../src/store/ndjson-part.js')).readNdjsonPart(
        store,
        part.path,
      ))
        entries.push(line as { key: string; storedAt: string });
    const target = entries.find((entry) => entry.key === 'b/data.bin')?.storedAt as string;
    const copy = await keep(target);
    const altered = Buffer.from(copy.bytes);
    altered[1000] = 'y'.charCodeAt(0);
    await store.putBytes(target, altered);
    try {
      // Act
      const cheap = cli('verify', '--bucket', storeUrl(), '--run', runId, '--json');
      const deep = cli('verify', '--bucket', storeUrl(), '--run', runId, '--deep', '--json');
      const restored = restoreCli(`s3-bucket:${source}`, '-o1');
      // Assess
      expect([cheap.status, deep.status]).toEqual([1, 1]);
      const damaged = (output: string) =>
        (JSON.parse(output).damaged as { path: string; problem: string }[]).map((d) => [d.path, d.problem]);
      expect(damaged(cheap.stdout)).toEqual([
        [target, expect.stringMatching(/^ETag .*recorded.*b\/data\.bin/)],
      ]);
      expect(damaged(deep.stdout)).toEqual([[target, expect.stringMatching(/^sha256 /)]]);
      expect(restored.status).toBe(1);
      const item = (JSON.parse(restored.stdout) as RestoreReport).items.find(
        (entry) => entry.kind === 's3-bucket',
      );
      expect(item?.action).toBe('failed');
      expect(item?.error?.message).toContain(`${target} (object b/data.bin)`);
      // moto ignores x-amz-copy-source-if-match (AWS refuses the copy with 412): there the copy is
      // made and the checksum S3 computed for it refuses it, deleting it again.
      const restoredObject = await ifExists(() =>
        s3.send(new GetObjectCommand({ Bucket: `${source}-o1`, Key: 'b/data.bin' })),
      );
      expect(restoredObject).toBeUndefined();
    } finally {
      await copy.restore();
    }
  });
});

describe('environment values appear in no output, report, message or copy', () => {
  beforeAll(async () => {
    // The live function now differs from the backup in one secret value.
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: fn,
        Environment: { Variables: { DB_PASSWORD: LIVE_SECRET, STAGE: 'test' } },
      }),
    );
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 60 }, { FunctionName: fn });
  });

  it('restore --dry-run names the variable that differs, never a value (output, logs, stored report)', async () => {
    // Act
    const result = runCliWith({ TRIGGERVAULT_LOG_LEVEL: 'DEBUG' }, [
      'restore',
      '--bucket',
      storeUrl(),
      '--run',
      runId,
      '--regions',
      REGION,
      '--only',
      `lambda-function:${fn}`,
      '--dry-run',
    ]);
    // Assess
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('Environment.Variables.DB_PASSWORD');
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(LIVE_SECRET);
    }
    const reports: string[] = [];
    for await (const key of store.list(`runs/${runId}/restores/`))
      reports.push(((await store.getBytes(key)) as Buffer).toString());
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.join('\n')).not.toContain(LIVE_SECRET);
    expect(reports.join('\n')).not.toContain(SECRET);
  });

  it('a drill whose copy differs in a secret publishes and stores the field, never the values', async () => {
    // Prepare: a topic with a queue, and the scratch copy's secret changed behind the comparison's back.
    const topic = await client(SNSClient, REGION).send(
      new CreateTopicCommand({ Name: unique('tamper-drill') }),
    );
    const queue = await client(SQSClient, REGION).send(
      new CreateQueueCommand({ QueueName: unique('tamper') }),
    );
    const { Attributes } = await client(SQSClient, REGION).send(
      new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await client(SNSClient, REGION).send(
      new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn }),
    );
    const tamper = async (event: unknown, context: unknown) => {
      const ref = event as { restoreId: string; run: string };
      const plan = RestorePlan.parse(await store.getJson(restorePlanKey(ref.run, ref.restoreId)));
      const copy = `${fn}${plan.options.nameSuffix}`;
      await lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: copy,
          Environment: { Variables: { DB_PASSWORD: LIVE_SECRET, STAGE: 'test' } },
        }),
      );
      return (LOCAL_HANDLERS.drillCompare as (event: unknown, context: unknown) => Promise<unknown>)(
        event,
        context,
      );
    };
    process.env.TRIGGERVAULT_TOPIC_ARN = topic.TopicArn;
    try {
      // Act
      const { summary } = await runStateMachineLocally(
        'restore.asl.yaml',
        { drill: true, store: storeUrl(), run: runId, regions: [REGION], only: [`lambda-function:${fn}`] },
        { handlers: { drillCompare: tamper } },
      );
      const received = await client(SQSClient, REGION).send(
        new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      // Assess
      const report = (await store.getJson((summary as unknown as { report: string }).report)) as DrillReport;
      expect(report.status).toBe('failed');
      const differences = report.items.flatMap((item) => item.differences.map((field) => field.field));
      expect(differences).toContain('configuration.Environment.Variables.DB_PASSWORD');
      const message = received.Messages?.map((entry) => entry.Body).join('\n') ?? '';
      expect(message).toContain('DB_PASSWORD');
      for (const text of [JSON.stringify(report), message]) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(LIVE_SECRET);
      }
    } finally {
      delete process.env.TRIGGERVAULT_TOPIC_ARN;
    }
  }, 120_000);

  it('a file:// copy holds the values only in the function snapshot, owner-only, and verifies', async () => {
    // Act
    const copy = cli(
      'copy',
      '--bucket',
      storeUrl(),
      '--run',
      runId,
      '--to',
      `file://${directory}/copy`,
      '--json',
    );
    const verified = cli('verify', '--bucket', `file://${directory}/copy`, '--run', runId, '--json');
    // Assess
    expect(copy.stderr).toBe('');
    expect([copy.status, verified.status]).toEqual([0, 0]);
    const holding: string[] = [];
    const modes = new Set<string>();
    const walk = async (folder: string): Promise<void> => {
      modes.add(`d${((await stat(folder)).mode & 0o777).toString(8)}`);
      for (const entry of await readdir(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) await walk(path);
        else {
          modes.add(`f${((await stat(path)).mode & 0o777).toString(8)}`);
          const text = await readFile(path, 'latin1');
          if (text.includes(SECRET) || text.includes(LIVE_SECRET)) holding.push(path.slice(directory.length));
        }
      }
    };
    await walk(join(directory, 'copy', 'runs'));
    expect(holding).toEqual([expect.stringMatching(/\/lambda-function\/[^/]+\/function\.json$/)]);
    expect([...modes].sort()).toEqual(['d700', 'f600']);
  });
});

/** The CLI with extra environment (log level). */
function runCliWith(env: Record<string, string>, args: string[]) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return runCli(args);
  } finally {
    for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key];
  }
}
