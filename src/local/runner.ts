// aws-local-stepfunctions 3 uses Promise.withResolvers (Node 22); keep Node 20 working too.
import './polyfills.js';
import { StateMachine } from 'aws-local-stepfunctions';
import type { RunSummary } from '../backup/finalize.js';
import { type Progress, ProgressTracker } from '../backup/progress.js';
import { taskPrefix } from '../lambda/task-prefix.js';
import { type ChildOutcome, prepareDistributedMaps, runMapRun } from './distributed-map.js';
import { LOCAL_HANDLERS, type LocalHandler } from './handlers.js';
import { type ExecutionBudget, HistoryRecorder, type LocalEvent, type StateKind } from './history.js';
import { type InvokeTask, loadStateMachine } from './state-machine.js';

export type { Progress } from '../backup/progress.js';
export type { ExecutionBudget } from './history.js';

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
  /** States entered over every execution (parent and children): what Standard workflows are billed for. */
  stateTransitions: number;
  /** What each execution (the parent first, then every Distributed Map child) would record deployed. */
  executions: ExecutionBudget[];
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

type TaskOverride = (input: unknown) => Promise<unknown>;
type Definition = Parameters<typeof prepareDistributedMaps>[0];

interface LoadedMachine extends Omit<ReturnType<typeof loadStateMachine>, 'definition'> {
  /** The definition with each Distributed Map replaced by a Map Run task (distributed-map.ts). */
  prepared: Definition;
  maps: ReturnType<typeof prepareDistributedMaps>['maps'];
}
const loadedMachines = new Map<string, LoadedMachine>();

/**
 * An ASL file loaded, validated and prepared once per process: the file as it deploys must pass the
 * library's validation (asl-validator), Distributed Maps included; that costs about a second of CPU,
 * which deployed, Step Functions spends once, at deploy time, not per run.
 */
export function localStateMachine(file: string): LoadedMachine {
  let entry = loadedMachines.get(file);
  if (!entry) {
    const { definition, taskHandlers, invokeTasks } = loadStateMachine(file);
    new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
    const { definition: prepared, maps } = prepareDistributedMaps(definition as Definition);
    entry = { taskHandlers, invokeTasks, prepared, maps };
    loadedMachines.set(file, entry);
  }
  return entry;
}

/**
 * Runs the deployable ASL in-process, every Lambda task bound to the real handler: a
 * `Fn::GetAtt: [name, Arn]` Task to the handler of that name, a `lambda:invoke` Task to the handler
 * its FunctionName names (`<taskPrefix>-<name>`), answering as the integration does (`{Payload}`).
 * Each Distributed Map runs its Map Run here (distributed-map.ts: items from the store, one child
 * execution per item), and every execution's history and payloads are measured (history.ts).
 */
export async function runStateMachineLocally(
  file: string,
  input: unknown,
  options: LocalRunOptions = {},
): Promise<LocalRunResult> {
  const { taskHandlers, invokeTasks, prepared, maps } = localStateMachine(file);
  const progress = new ProgressTracker(options.onProgress);
  const handlerOf = (name: string) => options.handlers?.[name] ?? LOCAL_HANDLERS[name];
  for (const [stateName, handlerName] of Object.entries(taskHandlers))
    if (!handlerOf(handlerName))
      throw new Error(`state ${stateName} needs handler ${handlerName}, which does not exist`);
  const run = async (name: string, handler: LocalHandler, event: unknown) => {
    const result = await handler(event, lambdaContext(name));
    progress.observe(result);
    return result;
  };
  const prefix = `${taskPrefix()}-`;
  const invoke = async (stateName: string, task: InvokeTask, parameters: unknown) => {
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
  const overrideNames = [...Object.keys(taskHandlers), ...Object.keys(invokeTasks), ...maps.keys()];
  const retryIntervalOverrides =
    options.retryIntervalMs === undefined
      ? undefined
      : Object.fromEntries(overrideNames.map((name) => [name, options.retryIntervalMs as number]));
  const kindOf = (stateName: string, stateType: string): StateKind =>
    stateType === 'Task' && maps.has(stateName) ? 'DistributedMap' : (stateType as StateKind);
  const machines = new WeakMap<object, StateMachine>();
  /** Figures in the order executions started: the parent, then each Map Run's children in item order. */
  const executions: ExecutionBudget[] = [];

  /** One execution with its own history; a Map Run's children are executions of their own. */
  const execute = async (label: string, machineDefinition: Definition, executionInput: unknown) => {
    const item = (executionInput as { item?: { kind?: unknown } } | undefined)?.item;
    const recorder = new HistoryRecorder(
      label,
      kindOf,
      typeof item?.kind === 'string' ? item.kind : undefined,
    );
    const slot = executions.push(recorder.budget()) - 1;
    const measured =
      (stateName: string, work: TaskOverride): TaskOverride =>
      async (parameters) => {
        recorder.payload(`${stateName} parameters`, parameters);
        const result = await work(parameters);
        recorder.payload(`${stateName} result`, result);
        return result;
      };
    const overrides: Record<string, TaskOverride> = {};
    for (const [stateName, handlerName] of Object.entries(taskHandlers))
      overrides[stateName] = measured(stateName, (event) =>
        run(handlerName, handlerOf(handlerName) as LocalHandler, event),
      );
    for (const [stateName, task] of Object.entries(invokeTasks))
      overrides[stateName] = measured(stateName, (parameters) => invoke(stateName, task, parameters));
    for (const [stateName, map] of maps)
      overrides[stateName] = (args) =>
        runMapRun(stateName, map, args as never, (childLabel, child, childInput) =>
          execute(childLabel, child, childInput),
        );
    let machine = machines.get(machineDefinition);
    if (!machine) {
      machine = new StateMachine(machineDefinition as never, { validationOptions: { noValidate: true } });
      machines.set(machineDefinition, machine);
    }
    const execution = machine.run(executionInput as never, {
      overrides: { taskResourceLocalHandlers: overrides as never, retryIntervalOverrides },
    });
    const draining = (async () => {
      for await (const event of execution.eventLogs) recorder.observe(event as LocalEvent);
    })();
    const outcome: ChildOutcome & { thrown?: unknown } = {};
    try {
      outcome.output = await execution.result;
    } catch (error) {
      const cause = ((error as Error).cause ?? error) as Error;
      Object.assign(outcome, { thrown: error, error: { name: cause.name, message: cause.message } });
    }
    await draining.catch(() => undefined);
    executions[slot] = recorder.budget();
    return outcome;
  };

  const parent = await execute('parent', prepared, input);
  if (parent.thrown) throw parent.thrown;
  return {
    summary: parent.output as RunSummary,
    stateTransitions: executions.reduce((sum, budget) => sum + budget.transitions, 0),
    executions,
  };
}
