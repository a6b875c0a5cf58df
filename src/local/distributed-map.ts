import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { z } from 'zod';
import { parseOrThrow } from '../../schemas/common.js';
import { mapLimit } from '../concurrency.js';
import { storeOfBucket } from '../store/work-list.js';

/**
 * Distributed Maps, run locally. aws-local-stepfunctions 3 validates a `DISTRIBUTED` Map (ItemReader,
 * ResultWriter, ToleratedFailure*) but runs it inline over ItemsPath. So, in memory only, each
 * DISTRIBUTED Map becomes a Task of the same name (keeping InputPath, ResultSelector, ResultPath,
 * OutputPath, Retry, Catch, Next/End) whose local handler performs the Map Run as Step Functions
 * does (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html):
 *   ItemReader   `arn:aws:states:::s3:getObject` with `ReaderConfig.InputType: JSON`: the JSON array
 *                at Bucket/Key (the library evaluates `Bucket.$`/`Key.$` as the Task's Parameters),
 *                read from the store (store/work-list.ts); MaxItems honoured. Without it, ItemsPath.
 *   ItemSelector evaluated by the library itself, with `$$.Map.Item.Index/Value`, item by item in order
 *   children    each item is one child execution of the ItemProcessor, with its own history and
 *                payload figures (history.ts), at most MaxConcurrency at once (locally capped at 40)
 *   failures     a failed child fails the Map Run (States.ExceedToleratedFailureThreshold) unless
 *                ToleratedFailurePercentage / ToleratedFailureCount tolerate it
 *   ResultWriter `arn:aws:states:::s3:putObject`: <Prefix>/<map run id>/SUCCEEDED_0.json, FAILED_0.json
 *                and manifest.json; the state's result is then {MapRunArn, ResultWriterDetails}, else
 *                the array of the children's outputs, in item order.
 * Anything else (ItemBatcher, CSV or manifest readers, Express children's at-least-once) is refused,
 * so that no local run relies on semantics it does not reproduce.
 */

const MAP_RUN_RESOURCE = 'arn:aws:lambda:us-east-1:123456789012:function:triggervault-local-map-run';
/** setTimeout holds at most 2^31-1 ms; the library's default Task timeout would be 60 s. */
const MAX_TASK_TIMEOUT_SECONDS = 2_147_483;
const KEPT_FIELDS = [
  'Comment',
  'InputPath',
  'ResultPath',
  'ResultSelector',
  'OutputPath',
  'Retry',
  'Catch',
  'Next',
  'End',
];
/** Children run in this process: more than this at once only adds memory. */
const LOCAL_CONCURRENCY = 40;

type Json = unknown;
type Definition = { StartAt: string; States: Record<string, Record<string, Json>> } & Record<string, Json>;

const DistributedMapSpec = z.looseObject({
  ItemReader: z
    .strictObject({
      Resource: z.literal('arn:aws:states:::s3:getObject'),
      ReaderConfig: z.strictObject({
        InputType: z.literal('JSON'),
        MaxItems: z.number().int().positive().optional(),
      }),
      Parameters: z.record(z.string(), z.unknown()),
    })
    .optional(),
  ItemsPath: z.string().optional(),
  ItemSelector: z.record(z.string(), z.unknown()).optional(),
  MaxConcurrency: z.number().int().nonnegative().optional(),
  ToleratedFailurePercentage: z.number().min(0).max(100).optional(),
  ToleratedFailureCount: z.number().int().nonnegative().optional(),
  ResultWriter: z
    .strictObject({
      Resource: z.literal('arn:aws:states:::s3:putObject'),
      Parameters: z.record(z.string(), z.unknown()),
    })
    .optional(),
  Label: z.string().optional(),
  ItemBatcher: z.never({ message: 'ItemBatcher is not run locally' }).optional(),
  ItemProcessor: z.looseObject({
    ProcessorConfig: z.strictObject({
      Mode: z.literal('DISTRIBUTED'),
      ExecutionType: z.literal('STANDARD', { message: 'only STANDARD children are run locally' }),
    }),
    StartAt: z.string(),
    States: z.record(z.string(), z.record(z.string(), z.unknown())),
  }),
});
type DistributedMapSpec = z.infer<typeof DistributedMapSpec>;

export interface DistributedMap {
  spec: DistributedMapSpec;
  /** The child state machine (its own Distributed Maps replaced too). */
  child: Definition;
}

/** What the replacing Task hands its handler (the library evaluates every `.$` path first). */
interface MapRunArguments {
  input: Json;
  context: Record<string, Json>;
  reader?: { Bucket: string; Key: string };
  writer?: { Bucket: string; Prefix?: string };
  items?: Json;
}

/** An error as Step Functions names it (`error.name` is what Retry and Catch match). */
export class StatesError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * A copy of `definition` in which every DISTRIBUTED Map (at any depth) is a Task of the same name;
 * `maps` says what each of those Tasks runs. Task overrides are keyed by state name, so names must
 * be unique.
 */
export function prepareDistributedMaps(
  definition: Definition,
  maps = new Map<string, DistributedMap>(),
): { definition: Definition; maps: Map<string, DistributedMap> } {
  const copy = structuredClone(definition);
  const walk = (states: Record<string, Record<string, Json>>) => {
    for (const [name, state] of Object.entries(states)) {
      const processor = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
      const mode = (processor?.ProcessorConfig as { Mode?: string } | undefined)?.Mode;
      if (state.Type === 'Map' && mode === 'DISTRIBUTED') {
        if (maps.has(name)) throw new Error(`Distributed Map states need unique names locally: ${name}`);
        const spec = parseOrThrow(DistributedMapSpec, state, `Distributed Map ${name}`);
        maps.set(name, {
          spec,
          child: prepareDistributedMaps(spec.ItemProcessor as Definition, maps).definition,
        });
        const parameters: Record<string, Json> = { 'input.$': '$', 'context.$': '$$' };
        if (spec.ItemReader) parameters.reader = spec.ItemReader.Parameters;
        else if (spec.ItemsPath) parameters['items.$'] = spec.ItemsPath;
        if (spec.ResultWriter) parameters.writer = spec.ResultWriter.Parameters;
        const task: Record<string, Json> = {
          Type: 'Task',
          Resource: MAP_RUN_RESOURCE,
          TimeoutSeconds: MAX_TASK_TIMEOUT_SECONDS,
          Parameters: parameters,
        };
        for (const field of KEPT_FIELDS) if (field in state) task[field] = state[field];
        states[name] = task;
      } else if (processor?.States) walk(processor.States as Definition['States']);
      for (const branch of (state.Branches as Definition[] | undefined) ?? []) walk(branch.States);
    }
  };
  walk(copy.States);
  return { definition: copy, maps };
}

/** One child execution's outcome. */
export interface ChildOutcome {
  output?: Json;
  error?: { name: string; message: string };
}

/** Runs one child execution (the runner gives it its own history). */
export type RunChild = (label: string, definition: Definition, input: Json) => Promise<ChildOutcome>;

let mapRuns = 0;

async function readItems(map: DistributedMap, args: MapRunArguments): Promise<Json[]> {
  const reader = map.spec.ItemReader;
  if (!reader) {
    const items = map.spec.ItemsPath ? args.items : args.input;
    if (!Array.isArray(items)) throw new StatesError('States.Runtime', 'the Map input is not an array');
    return items;
  }
  const { Bucket, Key } = args.reader ?? { Bucket: '', Key: '' };
  let body: Json;
  try {
    body = await storeOfBucket(Bucket).getJson(Key);
  } catch (error) {
    throw new StatesError('States.ItemReaderFailed', `${Bucket}/${Key}: ${(error as Error).message}`);
  }
  if (body === undefined) throw new StatesError('States.ItemReaderFailed', `${Bucket}/${Key}: NoSuchKey`);
  if (!Array.isArray(body))
    throw new StatesError('States.ItemReaderFailed', `${Bucket}/${Key} is not a JSON array`);
  return reader.ReaderConfig.MaxItems ? body.slice(0, reader.ReaderConfig.MaxItems) : body;
}

/** ItemSelector, evaluated by the library: a one-state Pass machine with `$$.Map.Item` in its context. */
function selector(map: DistributedMap) {
  const template = map.spec.ItemSelector;
  if (!template) return async (_input: Json, _context: Record<string, Json>, value: Json) => value;
  const machine = new StateMachine(
    {
      StartAt: 'ItemSelector',
      States: { ItemSelector: { Type: 'Pass', Parameters: template, End: true } },
    } as never,
    { validationOptions: { noValidate: true } },
  );
  return (input: Json, context: Record<string, Json>, value: Json, index: number) =>
    machine.run(input as never, {
      context: { ...context, Map: { Item: { Index: index, Value: value } } } as never,
    }).result as Promise<Json>;
}

/** The Map Run a replaced Distributed Map performs (see the module comment). */
export async function runMapRun(
  name: string,
  map: DistributedMap,
  args: MapRunArguments,
  runChild: RunChild,
): Promise<Json> {
  mapRuns += 1;
  const runId = `${mapRuns}-${randomUUID()}`;
  const items = await readItems(map, args);
  const select = selector(map);
  const concurrency = Math.min(map.spec.MaxConcurrency || LOCAL_CONCURRENCY, LOCAL_CONCURRENCY);
  const outcomes = await mapLimit(
    items.map((value, index) => ({ value, index })),
    concurrency,
    async ({ value, index }) => {
      const input = await select(args.input, args.context, value, index);
      return { input, ...(await runChild(`${name}#${mapRuns}/${index}`, map.child, input)) };
    },
  );
  const failed = outcomes.filter((outcome) => outcome.error).length;
  const percentage = map.spec.ToleratedFailurePercentage ?? 0;
  const count = map.spec.ToleratedFailureCount ?? 0;
  const exceeded = failed > count && (failed * 100) / Math.max(1, outcomes.length) > percentage;
  const mapRunArn = `arn:aws:states:us-east-1:123456789012:mapRun:triggervault-local/${map.spec.Label ?? name}:${runId}`;
  let result: Json = outcomes.map((outcome) => outcome.output);
  if (map.spec.ResultWriter) {
    const { Bucket, Prefix = '' } = args.writer ?? { Bucket: '' };
    const store = storeOfBucket(Bucket);
    const base = `${Prefix ? `${Prefix.replace(/\/$/, '')}/` : ''}${runId}`;
    const entry = (outcome: (typeof outcomes)[number], index: number) => ({
      ExecutionArn: `${mapRunArn}/${index}`,
      Input: JSON.stringify(outcome.input),
      ...(outcome.error
        ? { Status: 'FAILED', Error: outcome.error.name, Cause: outcome.error.message }
        : { Status: 'SUCCEEDED', Output: JSON.stringify(outcome.output) }),
    });
    const entries = outcomes.map(entry);
    const resultFiles: Record<string, { Key: string; Size: number }[]> = { SUCCEEDED: [], FAILED: [] };
    for (const status of ['SUCCEEDED', 'FAILED'] as const) {
      const list = entries.filter((entry) => entry.Status === status);
      if (!list.length) continue;
      const written = await store.putJson(`${base}/${status}_0.json`, list);
      resultFiles[status]?.push({ Key: written.key, Size: written.bytes });
    }
    const manifestKey = `${base}/manifest.json`;
    await store.putJson(manifestKey, {
      DestinationBucket: Bucket,
      MapRunArn: mapRunArn,
      ResultFiles: resultFiles,
    });
    result = { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket, Key: manifestKey } };
  }
  if (exceeded)
    throw new StatesError(
      'States.ExceedToleratedFailureThreshold',
      `${failed} of ${outcomes.length} child executions of ${name} failed (tolerated: ${percentage}%, ${count})`,
    );
  return result;
}
