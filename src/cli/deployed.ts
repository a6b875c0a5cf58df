import { setTimeout as delay } from 'node:timers/promises';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeMapRunCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { parseOrThrow } from '../../schemas/common.js';
import { RunInput } from '../../schemas/run-input.js';
import { client } from '../aws/clients.js';
import { ProgressTracker } from '../backup/progress.js';
import { InputValidationError } from '../errors.js';
import { createOutput, type Output, table } from './output.js';

const home = () => process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
const regionOfArn = (arn: string) => arn.split(':')[3] || home();

const StateMachineArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[\w-]+$/, 'must be a state machine ARN');
const ExecutionArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[\w-]+:[\w-]+$/, 'must be an execution ARN');

export const StartFlags = z.object({
  input: z.string().default('{}'),
  follow: z.boolean().default(false),
  stateMachineArn: StateMachineArn.optional(),
  stack: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/)
    .default('triggervault-dev'),
  json: z.boolean().default(false),
  pollSeconds: z.coerce.number().min(0).max(60).default(5),
});
export const StatusFlags = z.object({ execution: ExecutionArn, json: z.boolean().default(false) });

/** The deployed state machine: given, or read from the stack's `StateMachineArn` output. */
export async function findStateMachineArn(stack: string, given?: string): Promise<string> {
  if (given) return given;
  const response = await client(CloudFormationClient, home()).send(
    new DescribeStacksCommand({ StackName: stack }),
  );
  const arn = response.Stacks?.[0]?.Outputs?.find(
    (output) => output.OutputKey === 'StateMachineArn',
  )?.OutputValue;
  if (!arn)
    throw new InputValidationError(`stack ${stack} has no StateMachineArn output; pass --state-machine-arn`);
  return arn;
}

/** The run summary a finished execution returned (Publish's output). */
const summaryOf = (execution: DescribeExecutionCommandOutput) => {
  try {
    return JSON.parse(execution.output ?? 'null') as { status?: string; runId?: string } | null;
  } catch {
    return null;
  }
};

/** 0 succeeded with no failed items, 1 failed/partial/stopped, undefined while still running. */
export function exitCodeOf(execution: DescribeExecutionCommandOutput): number | undefined {
  if (execution.status === 'RUNNING' || execution.status === 'PENDING_REDRIVE') return undefined;
  return execution.status === 'SUCCEEDED' && summaryOf(execution)?.status === 'succeeded' ? 0 : 1;
}

function taskOutput(event: HistoryEvent): unknown {
  const output = event.taskSucceededEventDetails?.output ?? event.lambdaFunctionSucceededEventDetails?.output;
  if (!output) return undefined;
  try {
    return JSON.parse(output);
  } catch {
    return undefined;
  }
}

/**
 * The region a Map Run works for: its MapRunStarted event leads back (previousEventId) to the
 * Discover task of the same region iteration, whose output names the region.
 */
function regionOfMapRun(events: Map<number, HistoryEvent>, started: HistoryEvent): string | undefined {
  let id = started.previousEventId;
  for (let steps = 0; id !== undefined && steps < 20; steps += 1) {
    const event = events.get(id);
    if (!event) return undefined;
    const output = taskOutput(event) as { region?: unknown } | undefined;
    if (typeof output?.region === 'string') return output.region;
    id = event.previousEventId;
  }
  return undefined;
}

/**
 * Follows an execution: reads the history as it grows (one page chain per poll, resuming after the
 * last event seen), reports per-region progress, and returns the final description. Items run as
 * child executions of each region's Distributed Map, outside this history: their progress is the Map
 * Run's counts (DescribeMapRun), asked each poll until the Map Run ends.
 */
export async function followExecution(
  executionArn: string,
  out: Output,
  pollMs: number,
): Promise<DescribeExecutionCommandOutput> {
  const sfn = client(SFNClient, regionOfArn(executionArn));
  const tracker = new ProgressTracker((progress) => {
    if (out.interactive)
      out.info(
        `  ${progress.region}: ${progress.done}/${progress.total} items${progress.failed ? ` (${progress.failed} failed)` : ''}`,
      );
  });
  let lastEventId = 0;
  const seen = new Map<number, HistoryEvent>();
  const mapRuns = new Map<string, { region: string; ended: boolean }>();
  for (;;) {
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }),
      );
      for (const event of page.events ?? []) {
        if ((event.id ?? 0) <= lastEventId) continue;
        lastEventId = event.id ?? lastEventId;
        seen.set(lastEventId, event);
        tracker.observe(taskOutput(event));
        const mapRunArn = event.mapRunStartedEventDetails?.mapRunArn;
        const region = mapRunArn && regionOfMapRun(seen, event);
        if (mapRunArn && region) mapRuns.set(mapRunArn, { region, ended: false });
      }
      nextToken = page.nextToken;
    } while (nextToken);
    for (const [mapRunArn, run] of mapRuns) {
      if (run.ended) continue;
      const described = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
      const counts = described.itemCounts;
      if (counts) {
        const failed = (counts.failed ?? 0) + (counts.timedOut ?? 0) + (counts.aborted ?? 0);
        tracker.counted(run.region, {
          total: counts.total ?? 0,
          done: (counts.succeeded ?? 0) + failed,
          failed,
        });
      }
      run.ended = described.status !== 'RUNNING';
    }
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (exitCodeOf(execution) !== undefined) return execution;
    await delay(pollMs);
  }
}

function describe(out: Output, execution: DescribeExecutionCommandOutput): void {
  const summary = summaryOf(execution);
  out.result(
    {
      executionArn: execution.executionArn,
      status: execution.status,
      summary,
      error: execution.error,
      cause: execution.cause,
    },
    () =>
      table(
        ['execution', 'status', 'run', 'outcome'],
        [
          [
            execution.executionArn ?? '',
            execution.status ?? '',
            summary?.runId ?? '-',
            summary?.status ?? execution.error ?? '-',
          ],
        ],
      ),
  );
}

/** `start`: StartExecution on the deployed state machine; with --follow, waits and exits with its outcome. */
export async function startCommand(rawFlags: unknown): Promise<number> {
  const flags = parseOrThrow(StartFlags, rawFlags, 'flags');
  const out = createOutput(flags.json);
  let input: unknown;
  try {
    input = JSON.parse(flags.input);
  } catch (error) {
    throw new InputValidationError(`invalid flags: input: not JSON (${(error as Error).message})`);
  }
  parseOrThrow(RunInput, input, 'run input');
  const stateMachineArn = await findStateMachineArn(flags.stack, flags.stateMachineArn);
  const started = await client(SFNClient, regionOfArn(stateMachineArn)).send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
  );
  const executionArn = started.executionArn as string;
  if (!flags.follow) {
    out.result({ executionArn }, () => `started ${executionArn}`);
    return 0;
  }
  out.info(`started ${executionArn}`);
  const execution = await followExecution(executionArn, out, flags.pollSeconds * 1000);
  describe(out, execution);
  return exitCodeOf(execution) ?? 1;
}

/** `status`: progress and outcome of a deployed execution (exit 0 succeeded or running, 1 otherwise). */
export async function statusCommand(rawFlags: unknown): Promise<number> {
  const flags = parseOrThrow(StatusFlags, rawFlags, 'flags');
  const out = createOutput(flags.json);
  const execution = await client(SFNClient, regionOfArn(flags.execution)).send(
    new DescribeExecutionCommand({ executionArn: flags.execution }),
  );
  describe(out, execution);
  return exitCodeOf(execution) ?? 0;
}
