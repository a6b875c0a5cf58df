/**
 * One backup run in a process of its own, so that its peak RSS is its own: runs the state machine
 * in-process (every Task bound to its real handler) with the input given as argv[2] (JSON), then
 * sends {ms, stateTransitions, summary, items, maxRssKb} to the parent over IPC and exits.
 * AWS_ENDPOINT_URL (emulator or proxy) and the TRIGGERVAULT_* knobs come from the environment.
 */
import { parseOrThrow } from '../schemas/common.js';
import { Manifest } from '../schemas/manifest.js';
import { LOCAL_HANDLERS, type LocalHandler } from '../src/local/handlers.js';
import { runStateMachineLocally } from '../src/local/runner.js';
import { manifestKey } from '../src/store/layout.js';
import { openStore } from '../src/store/open.js';
import { type BudgetSummary, summarizeBudgets } from './lib/budget-summary.js';

export interface ChildItem {
  region: string;
  kind: string;
  name: string;
  status: string;
  summary?: Record<string, unknown>;
  error?: string;
}

export interface ChildResult {
  ok: true;
  ms: number;
  stateTransitions: number;
  status: string;
  runId: string;
  items: ChildItem[];
  maxRssKb: number;
  /** Milliseconds spent in each handler, summed over its calls (concurrent calls overlap). */
  handlerMs: Record<string, number>;
  /** History events and payloads per execution, summed up (lib/budget-summary.ts). */
  budgets: BudgetSummary;
}

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

async function main(): Promise<ChildResult> {
  const input = JSON.parse(process.argv[2] ?? '{}') as { store: string };
  const started = performance.now();
  const handlerMs: Record<string, number> = {};
  const { summary, stateTransitions, executions } = await runStateMachineLocally('backup.asl.yaml', input, {
    handlers: timedHandlers(handlerMs),
  });
  const ms = performance.now() - started;
  // Read the manifest past the proxy, so that the requests it counts are the run's own.
  if (process.env.BENCH_DIRECT_ENDPOINT) process.env.AWS_ENDPOINT_URL = process.env.BENCH_DIRECT_ENDPOINT;
  const stored = await openStore(summary.store).getJson(manifestKey(summary.runId));
  const manifest = parseOrThrow(Manifest, stored, 'manifest');
  return {
    ok: true,
    ms,
    stateTransitions,
    status: summary.status,
    runId: summary.runId,
    items: manifest.items.map((item) => ({
      region: item.region,
      kind: item.kind,
      name: item.name,
      status: item.status,
      summary: item.summary,
      error: item.error ? `${item.error.name}: ${item.error.message}` : undefined,
    })),
    maxRssKb: process.resourceUsage().maxRSS,
    handlerMs: Object.fromEntries(Object.entries(handlerMs).map(([name, ms]) => [name, Math.round(ms)])),
    budgets: summarizeBudgets(executions),
  };
}

const send = (message: unknown) =>
  new Promise<void>((resolve) => {
    if (process.send) process.send(message, () => resolve());
    else {
      process.stdout.write(`${JSON.stringify(message)}\n`);
      resolve();
    }
  });

main()
  .then(send, (error: Error) => send({ ok: false, error: `${error.name}: ${error.message}` }))
  .finally(() => process.exit(0));
