// aws-local-stepfunctions 3 uses Promise.withResolvers (Node 22); keep Node 20 working too.
import './polyfills.js';
import { StateMachine } from 'aws-local-stepfunctions';
import type { RunSummary } from '../backup/finalize.js';
import { type Progress, ProgressTracker } from '../backup/progress.js';
import { LOCAL_HANDLERS, type LocalHandler } from './handlers.js';
import { loadStateMachine } from './state-machine.js';

export type { Progress } from '../backup/progress.js';

export interface LocalRunOptions {
  /** Called whenever an item of a region finishes or a region's work list is known. */
  onProgress?: (progress: Progress) => void;
  /** Replace a handler by logical name (tests inject faults this way). */
  handlers?: Partial<Record<string, LocalHandler>>;
  /** Milliseconds each Retry waits locally, instead of the definition's seconds. */
  retryIntervalMs?: number;
}

export interface LocalRunResult {
  summary: RunSummary;
  stateTransitions: number;
}

const lambdaContext = (name: string, timeoutMs = 900_000) => {
  const deadline = Date.now() + timeoutMs;
  return {
    functionName: `triggervault-${name}`,
    awsRequestId: `local-${Math.random().toString(36).slice(2)}`,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
};

/** Runs the deployable ASL in-process, every Lambda task bound to the real handler. */
export async function runStateMachineLocally(
  file: string,
  input: unknown,
  options: LocalRunOptions = {},
): Promise<LocalRunResult> {
  const { definition, taskHandlers } = loadStateMachine(file);
  const progress = new ProgressTracker(options.onProgress);
  const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [stateName, handlerName] of Object.entries(taskHandlers)) {
    const handler = options.handlers?.[handlerName] ?? LOCAL_HANDLERS[handlerName];
    if (!handler) throw new Error(`state ${stateName} needs handler ${handlerName}, which does not exist`);
    overrides[stateName] = async (event) => {
      const result = await handler(event, lambdaContext(handlerName));
      progress.observe(result);
      return result;
    };
  }
  const retryIntervalOverrides =
    options.retryIntervalMs === undefined
      ? undefined
      : Object.fromEntries(
          Object.keys(taskHandlers).map((name) => [name, options.retryIntervalMs as number]),
        );
  const machine = new StateMachine(definition as never, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: overrides as never, retryIntervalOverrides },
  });
  let stateTransitions = 0;
  const counting = (async () => {
    for await (const event of execution.eventLogs)
      if ((event as { type: string }).type === 'StateEntered') stateTransitions += 1;
  })();
  const summary = (await execution.result) as unknown as RunSummary;
  await counting.catch(() => undefined);
  return { summary, stateTransitions };
}
