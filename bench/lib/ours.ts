import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildResult } from '../child.js';

const CHILD = fileURLToPath(new URL('../child.ts', import.meta.url));

export interface OursOptions {
  /** The state machine's input (`store` is required). */
  input: { store: string } & Record<string, unknown>;
  /** Where the run's AWS calls go: the emulator, or the latency proxy in front of it. */
  endpoint: string;
  /** The emulator itself, for reading the manifest afterwards without counting it. */
  directEndpoint: string;
  /** Extra environment (TRIGGERVAULT_* knobs); the store's region is AWS_REGION. */
  env?: Record<string, string>;
  region?: string;
}

/** Runs one backup through the real state machine in a child process; rejects when the run failed. */
export function runOurs(options: OursOptions): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [JSON.stringify(options.input)], {
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
      if (!result) reject(new Error(`bench child exited with code ${code} and no result`));
      else if (!result.ok) reject(new Error(`bench child: ${result.error}`));
      else if (result.status !== 'succeeded') {
        const failed = result.items.filter((item) => item.status !== 'ok');
        reject(
          new Error(
            `backup run ${result.runId} ended ${result.status}: ${failed
              .slice(0, 3)
              .map((item) => `${item.kind} ${item.name}: ${item.error}`)
              .join('; ')}`,
          ),
        );
      } else resolve(result);
    });
  });
}

/** Sums a numeric field of the items' summaries (objects copied, items exported, records, …). */
export function sumSummary(result: ChildResult, kind: string, field: string): number {
  return result.items
    .filter((item) => item.kind === kind)
    .reduce((sum, item) => sum + (Number(item.summary?.[field]) || 0), 0);
}
