/**
 * One measured job in a process of its own, so that its peak RSS and CPU time are its own (the
 * bench process runs the proxies): argv[2] is the job as JSON. Jobs:
 * - `backup`: one backup run of the state machine in-process (every Task bound to its real handler);
 * - `copy-loop`: the raw SDK CopyObject loop our S3 export is compared with;
 * - `lambda-baseline`: the sequential Lambda capture.
 * AWS_ENDPOINT_URL (a bench proxy) and the TRIGGERVAULT_* knobs come from the environment. Sends the
 * result (with `cpuMs`, user + system time of the job itself, modules already loaded) to the parent
 * over IPC and exits.
 */
import { CopyObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parseOrThrow } from '../schemas/common.js';
import { Manifest } from '../schemas/manifest.js';
import { client } from '../src/aws/clients.js';
import { mapLimit } from '../src/concurrency.js';
import { LOCAL_HANDLERS, type LocalHandler } from '../src/local/handlers.js';
import { localStateMachine, runStateMachineLocally } from '../src/local/runner.js';
import { manifestKey } from '../src/store/layout.js';
import { readNdjsonPart } from '../src/store/ndjson-part.js';
import { openStore } from '../src/store/open.js';
import { type BudgetSummary, summarizeBudgets } from './lib/budget-summary.js';
import { sequentialLambdaCapture } from './lib/lambda-baseline.js';

export interface ChildItem {
  region: string;
  kind: string;
  name: string;
  status: string;
  summary?: Record<string, unknown>;
  error?: string;
  /** S3 buckets: index entries of copied objects with and without a SHA-256 of the stored copy. */
  sha256?: { with: number; without: number };
}

interface Measured {
  ok: true;
  ms: number;
  cpuMs: number;
  maxRssKb: number;
}

export interface BackupResult extends Measured {
  job: 'backup';
  stateTransitions: number;
  status: string;
  runId: string;
  items: ChildItem[];
  /** Milliseconds spent in each handler, summed over its calls (concurrent calls overlap). */
  handlerMs: Record<string, number>;
  /** History events and payloads per execution, summed up (lib/budget-summary.ts). */
  budgets: BudgetSummary;
}

export interface CopyLoopResult extends Measured {
  job: 'copy-loop';
  copied: number;
  /** Copies whose result carried a SHA-256 checksum (ours asks for one; see the known gaps). */
  withChecksum: number;
}

export interface BaselineResult extends Measured {
  job: 'lambda-baseline';
  functions: number;
  downloads: number;
}

export type ChildResult = BackupResult | CopyLoopResult | BaselineResult;

export type ChildJob =
  | { job: 'backup'; input: { store: string } & Record<string, unknown> }
  | { job: 'copy-loop'; region: string; source: string; destination: string; concurrency: number }
  | { job: 'lambda-baseline'; region: string; directory: string; names: string[] };

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

/** The real handlers, each timed. */
function timedHandlers(spent: Record<string, number>): Record<string, LocalHandler> {
  return Object.fromEntries(
    Object.entries(LOCAL_HANDLERS).map(([name, handler]) => [
      name,
      async (event: unknown, context: unknown) => {
        const started = performance.now();
        try {
          return await handler(event, context);
        } finally {
          spent[name] = (spent[name] ?? 0) + (performance.now() - started);
        }
      },
    ]),
  );
}

/** How many objects this run copied with, and without, a SHA-256 of the copy in the objects index. */
async function copiedChecksums(storeUrl: string, artifacts: Manifest['items'][number]['artifacts']) {
  const counts = { with: 0, without: 0 };
  const store = openStore(storeUrl);
  for (const artifact of artifacts.filter((entry) => entry.role === 'objects-index')) {
    for await (const entry of readNdjsonPart(store, artifact.path)) {
      const { storedAt, sha256, skipped } = entry as { storedAt?: string; sha256?: string; skipped?: string };
      if (!storedAt || skipped) continue;
      if (sha256) counts.with += 1;
      else counts.without += 1;
    }
  }
  return counts;
}

async function backup(input: { store: string }): Promise<BackupResult> {
  // Loaded and validated before the clock starts: deployed, that happens once, at deploy time.
  localStateMachine('backup.asl.yaml');
  const handlerMs: Record<string, number> = {};
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { summary, stateTransitions, executions } = await runStateMachineLocally('backup.asl.yaml', input, {
    handlers: timedHandlers(handlerMs),
  });
  const ms = performance.now() - started;
  const usedMs = cpuMs(cpu);
  // Read the manifest past the proxy, so that the requests it counts are the run's own.
  if (process.env.BENCH_DIRECT_ENDPOINT) process.env.AWS_ENDPOINT_URL = process.env.BENCH_DIRECT_ENDPOINT;
  const stored = await openStore(summary.store).getJson(manifestKey(summary.runId));
  const manifest = parseOrThrow(Manifest, stored, 'manifest');
  return {
    ok: true,
    job: 'backup',
    ms,
    cpuMs: usedMs,
    stateTransitions,
    status: summary.status,
    runId: summary.runId,
    items: await mapLimit(manifest.items, 4, async (item) => ({
      region: item.region,
      kind: item.kind,
      name: item.name,
      status: item.status,
      summary: item.summary,
      error: item.error ? `${item.error.name}: ${item.error.message}` : undefined,
      sha256: item.kind === 's3-bucket' ? await copiedChecksums(summary.store, item.artifacts) : undefined,
    })),
    maxRssKb: process.resourceUsage().maxRSS,
    handlerMs: Object.fromEntries(
      Object.entries(handlerMs).map(([name, spent]) => [name, Math.round(spent)]),
    ),
    budgets: summarizeBudgets(executions),
  };
}

/**
 * What an S3 export is made of, and nothing else: list the bucket, then one CopyObject per object
 * with the parameters ours sends (metadata and tags copied, SHA-256 asked for, only while the ETag is
 * the listed one), `concurrency` in flight, through the same SDK client and connection pool.
 */
async function copyLoop(job: Extract<ChildJob, { job: 'copy-loop' }>): Promise<CopyLoopResult> {
  const s3 = client(S3Client, job.region);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const objects: { key: string; etag?: string }[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: job.source, ContinuationToken }));
    for (const object of page.Contents ?? []) objects.push({ key: object.Key as string, etag: object.ETag });
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  let withChecksum = 0;
  await mapLimit(objects, job.concurrency, async ({ key, etag }) => {
    const response = await s3.send(
      new CopyObjectCommand({
        Bucket: job.destination,
        Key: key,
        CopySource: `${job.source}/${encodeURIComponent(key).replace(/%2F/g, '/')}`,
        CopySourceIfMatch: etag,
        MetadataDirective: 'COPY',
        TaggingDirective: 'COPY',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    if (response.CopyObjectResult?.ChecksumSHA256) withChecksum += 1;
  });
  return {
    ok: true,
    job: 'copy-loop',
    ms: performance.now() - started,
    cpuMs: cpuMs(cpu),
    copied: objects.length,
    withChecksum,
    maxRssKb: process.resourceUsage().maxRSS,
  };
}

async function baseline(job: Extract<ChildJob, { job: 'lambda-baseline' }>): Promise<BaselineResult> {
  const cpu = process.cpuUsage();
  const result = await sequentialLambdaCapture(job.region, job.directory, job.names);
  return {
    ok: true,
    job: 'lambda-baseline',
    ms: result.ms,
    cpuMs: cpuMs(cpu),
    functions: result.functions,
    downloads: result.downloads,
    maxRssKb: process.resourceUsage().maxRSS,
  };
}

function run(job: ChildJob): Promise<ChildResult> {
  switch (job.job) {
    case 'backup':
      return backup(job.input);
    case 'copy-loop':
      return copyLoop(job);
    case 'lambda-baseline':
      return baseline(job);
  }
}

const send = (message: unknown) =>
  new Promise<void>((resolve) => {
    if (process.send) process.send(message, () => resolve());
    else {
      process.stdout.write(`${JSON.stringify(message)}\n`);
      resolve();
    }
  });

run(JSON.parse(process.argv[2] ?? '{}') as ChildJob)
  .then(send, (error: Error) => send({ ok: false, error: `${error.name}: ${error.message}` }))
  .finally(() => process.exit(0));
