import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BackupResult, BaselineResult, ChildJob, ChildResult, CopyLoopResult } from '../child.js';

const CHILD = fileURLToPath(new URL('../child.ts', import.meta.url));

export interface ChildOptions {
  /** Where the job's AWS calls go: the direct router or the latency proxy. */
  endpoint: string;
  /** The direct router, for reading results afterwards without counting them. */
  directEndpoint: string;
  /** Extra environment (TRIGGERVAULT_* knobs). */
  env?: Record<string, string>;
  /** The job's default region (the store's, for a backup). */
  region?: string;
}

/** Runs one job (see bench/child.ts) in a child process; rejects when it failed. */
export function runChild<R extends ChildResult>(job: ChildJob, options: ChildOptions): Promise<R> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [JSON.stringify(job)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: options.endpoint,
        BENCH_DIRECT_ENDPOINT: options.directEndpoint,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: options.region ?? 'us-east-1',
        AWS_DEFAULT_REGION: options.region ?? 'us-east-1',
        TRIGGERVAULT_LOG_LEVEL: 'SILENT',
        ...options.env,
      },
    });
    let answer: unknown;
    child.on('message', (message) => {
      answer = message;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const result = answer as (ChildResult | { ok: false; error: string }) | undefined;
      if (!result) reject(new Error(`bench child (${job.job}) exited with code ${code} and no result`));
      else if (!result.ok) reject(new Error(`bench child (${job.job}): ${result.error}`));
      else resolve(result as R);
    });
  });
}

/** One backup run through the real state machine; rejects when the run did not succeed. */
export async function runOurs(
  input: { store: string } & Record<string, unknown>,
  options: ChildOptions,
): Promise<BackupResult> {
  const result = await runChild<BackupResult>({ job: 'backup', input }, options);
  if (result.status !== 'succeeded') {
    const failed = result.items.filter((item) => item.status !== 'ok');
    throw new Error(
      `backup run ${result.runId} ended ${result.status}: ${failed
        .slice(0, 3)
        .map((item) => `${item.kind} ${item.name}: ${item.error}`)
        .join('; ')}`,
    );
  }
  return result;
}

/** The raw SDK CopyObject loop over a whole bucket (see bench/child.ts). */
export const runCopyLoop = (
  job: Omit<Extract<ChildJob, { job: 'copy-loop' }>, 'job'>,
  options: ChildOptions,
): Promise<CopyLoopResult> => runChild<CopyLoopResult>({ job: 'copy-loop', ...job }, options);

/** The sequential Lambda capture (see lambda-baseline.ts). */
export const runBaseline = (
  job: Omit<Extract<ChildJob, { job: 'lambda-baseline' }>, 'job'>,
  options: ChildOptions,
): Promise<BaselineResult> => runChild<BaselineResult>({ job: 'lambda-baseline', ...job }, options);

/** Sums a numeric field of the items' summaries (objects copied, items exported, records, …). */
export function sumSummary(result: BackupResult, kind: string, field: string): number {
  return result.items
    .filter((item) => item.kind === kind)
    .reduce((sum, item) => sum + (Number(item.summary?.[field]) || 0), 0);
}
