import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { startCommand } from '../../src/cli/deployed.js';

// moto's Step Functions never runs Lambda tasks, so its histories never grow, and it has no Map Runs:
// the follow path is tested with aws-sdk-client-mock (GetExecutionHistory, DescribeExecution,
// DescribeMapRun, StartExecution).
const sfn = mockClient(SFNClient);
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:backup:run-1';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:backup';

const MAP_RUN = `${MACHINE.replace(':stateMachine:', ':mapRun:')}/Items:run-1`;

const taskSucceeded = (id: number, output: unknown) => ({
  id,
  previousEventId: id - 1,
  type: 'TaskSucceeded' as const,
  timestamp: new Date(),
  taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output: JSON.stringify(output) },
});
const event = (id: number, type: string) => ({
  id,
  previousEventId: id - 1,
  type: type as never,
  timestamp: new Date(),
});
/** What the parent history holds of one region: Discover's answer, then its Distributed Map's Map Run. */
const regionEvents = [
  taskSucceeded(1, {
    region: 'eu-west-1',
    items: 2,
    work: { bucket: 'b', key: 'runs/r/work/eu-west-1.json' },
  }),
  event(2, 'TaskStateExited'),
  event(3, 'MapStateEntered'),
  event(4, 'MapStateStarted'),
  { ...event(5, 'MapRunStarted'), mapRunStartedEventDetails: { mapRunArn: MAP_RUN } },
];
const counts = (succeeded: number, failed: number) => ({
  pending: 0,
  running: 2 - succeeded - failed,
  succeeded,
  failed,
  timedOut: 0,
  aborted: 0,
  total: 2,
  resultsWritten: succeeded + failed,
});

afterEach(() => {
  Object.defineProperty(process.stderr, 'isTTY', { value: undefined, configurable: true });
  sfn.reset();
  jest.restoreAllMocks();
});

describe('start --follow', () => {
  it('reports progress per region as the history grows and exits 1 for a partial run', async () => {
    // Prepare: a terminal (progress is printed only there)
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    const stderr: string[] = [];
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date() });
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: regionEvents.slice(0, 2), nextToken: 'page-2' })
      .resolves({ events: regionEvents });
    sfn
      .on(DescribeMapRunCommand, { mapRunArn: MAP_RUN })
      .resolvesOnce({ mapRunArn: MAP_RUN, status: 'RUNNING', itemCounts: counts(0, 0) } as never)
      .resolvesOnce({ mapRunArn: MAP_RUN, status: 'RUNNING', itemCounts: counts(1, 0) } as never)
      .resolvesOnce({ mapRunArn: MAP_RUN, status: 'RUNNING', itemCounts: counts(1, 0) } as never)
      .resolves({ mapRunArn: MAP_RUN, status: 'FAILED', itemCounts: counts(1, 1) } as never);
    const running = {
      executionArn: EXECUTION,
      status: 'RUNNING' as const,
      stateMachineArn: MACHINE,
      startDate: new Date(),
    };
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce(running)
      .resolvesOnce(running)
      .resolvesOnce(running)
      .resolves({
        executionArn: EXECUTION,
        status: 'SUCCEEDED',
        stateMachineArn: MACHINE,
        startDate: new Date(),
        output: JSON.stringify({ runId: '20261125T120000Z-abcdef', status: 'partial' }),
      });
    // Act
    const code = await startCommand({ stateMachineArn: MACHINE, follow: true, pollSeconds: 0 });
    // Assess
    expect(code).toBe(1);
    expect(stderr.join('')).toContain('eu-west-1: 0/2 items');
    expect(stderr.join('')).toContain('eu-west-1: 1/2 items');
    expect(stderr.join('')).toContain('eu-west-1: 2/2 items (1 failed)');
    expect(stderr.join('').match(/1\/2 items/g)).toHaveLength(1);
    // The ended Map Run is not asked again.
    expect(sfn.commandCalls(DescribeMapRunCommand).length).toBe(4);
  });
});
