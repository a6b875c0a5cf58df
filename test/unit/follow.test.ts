import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { startCommand } from '../../src/cli/deployed.js';

// moto's Step Functions never runs Lambda tasks, so its histories never grow: the follow path is
// tested with aws-sdk-client-mock (GetExecutionHistory, DescribeExecution, StartExecution).
const sfn = mockClient(SFNClient);
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:backup:run-1';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:backup';

const taskSucceeded = (id: number, output: unknown) => ({
  id,
  type: 'TaskSucceeded' as const,
  timestamp: new Date(),
  taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output: JSON.stringify(output) },
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
      .resolvesOnce({
        events: [taskSucceeded(1, { region: 'eu-west-1', items: [{}, {}] })],
        nextToken: 'page-2',
      })
      .resolvesOnce({ events: [taskSucceeded(2, { region: 'eu-west-1', done: true, status: 'ok' })] })
      .resolves({
        events: [
          taskSucceeded(1, { region: 'eu-west-1', items: [{}, {}] }),
          taskSucceeded(2, { region: 'eu-west-1', done: true, status: 'ok' }),
          taskSucceeded(3, { region: 'eu-west-1', done: true, status: 'failed' }),
        ],
      });
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({
        executionArn: EXECUTION,
        status: 'RUNNING',
        stateMachineArn: MACHINE,
        startDate: new Date(),
      })
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
  });
});
