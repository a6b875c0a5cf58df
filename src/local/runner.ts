// aws-local-stepfunctions 3 uses Promise.withResolvers (Node 22); keep Node 20 working too.
import './polyfills.js';
import { StateMachine } from 'aws-local-stepfunctions';
import type { RunSummary } from '../backup/finalize.js';
import { type Progress, ProgressTracker } from '../backup/progress.js';
import { taskPrefix } from '../lambda/task-prefix.js';
import { LOCAL_HANDLERS, type LocalHandler } from './handlers.js';
import { loadStateMachine } from './state-machine.js';

export type { Progress } from '../backup/progress.js';

export interface LocalRunOptions {
  /** Called whenever an item of a region finishes or a region's work list is known. */
  onProgress?: (progress: Progress) => void;
  /** Replace a handler by name, as deploy/handlers.ts names it (tests inject faults this way). */
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

/** An error as Step Functions names it (`error.name` is what Retry and Catch match). */
const stateError = (name: string, message: string) => Object.assign(new Error(message), { name });

const machines = new Map<string, { machine: StateMachine; loaded: ReturnType<typeof loadStateMachine> }>();

/**
 * The state machine of an ASL file, loaded and validated once per process (validating the definition
 * costs about a second of CPU; deployed, Step Functions does it once, at deploy time).
 */
export function localStateMachine(file: string) {
  let entry = machines.get(file);
  if (!entry) {
    const loaded = loadStateMachine(file);
    const machine = new StateMachine(loaded.definition as never, {
      validationOptions: { checkArn: true, checkPaths: true },
    });
    entry = { machine, loaded };
    machines.set(file, entry);
  }
  return entry;
}

/**
 * Runs the deployable ASL in-process, every Lambda task bound to the real handler: a
 * `Fn::GetAtt: [name, Arn]` Task to the handler of that name, a `lambda:invoke` Task to the handler
 * its FunctionName names (`<taskPrefix>-<name>`), answering as the integration does (`{Payload}`).
 */
export async function runStateMachineLocally(
  file: string,
  input: unknown,
  options: LocalRunOptions = {},
): Promise<LocalRunResult> {
  const {
    machine,
    loaded: { taskHandlers, invokeTasks },
  } = localStateMachine(file);
  const progress = new ProgressTracker(options.onProgress);
  const handlerOf = (name: string) => options.handlers?.[name] ?? LOCAL_HANDLERS[name];
  const run = async (name: string, handler: LocalHandler, event: unknown) => {
    const result = await handler(event, lambdaContext(name));
    progress.observe(result);
    return result;
  };
  const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [stateName, handlerName] of Object.entries(taskHandlers)) {
    const handler = handlerOf(handlerName);
    if (!handler) throw new Error(`state ${stateName} needs handler ${handlerName}, which does not exist`);
    overrides[stateName] = (event) => run(handlerName, handler, event);
  }
  const prefix = `${taskPrefix()}-`;
  for (const [stateName, task] of Object.entries(invokeTasks)) {
    overrides[stateName] = async (parameters) => {
      const { FunctionName, Payload } = parameters as { FunctionName: string; Payload: unknown };
      const name = FunctionName.startsWith(prefix) ? FunctionName.slice(prefix.length) : '';
      const handler = task.names.test(name) ? handlerOf(name) : undefined;
      // Deployed, the state machine's role may invoke exactly these functions (Lambda: AccessDeniedException).
      if (!handler)
        throw stateError(
          'Lambda.AWSLambdaException',
          `state ${stateName} may not invoke ${FunctionName}: no handler ${task.expression} names`,
        );
      return { ExecutedVersion: '$LATEST', StatusCode: 200, Payload: await run(name, handler, Payload) };
    };
  }
  const retryIntervalOverrides =
    options.retryIntervalMs === undefined
      ? undefined
      : Object.fromEntries(Object.keys(overrides).map((name) => [name, options.retryIntervalMs as number]));
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
