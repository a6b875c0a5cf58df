import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateStateMachineCommand, DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { client } from '../../src/aws/clients.js';
import { startCommand, statusCommand } from '../../src/cli/deployed.js';
import { InputValidationError } from '../../src/errors.js';
import { loadStateMachine } from '../../src/local/state-machine.js';
import { lambdaRole, unique } from '../helpers/aws.js';

// The shared home region: this file only creates named state machines and a stack, and lists nothing.
const REGION = 'us-east-1';

/** Collects what a command prints on stdout. */
function captureStdout() {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return { text: () => lines.join(''), restore: () => spy.mockRestore() };
}

async function deployCompiledDefinition() {
  const { definition } = loadStateMachine(
    'backup.asl.yaml',
    (name) => `arn:aws:lambda:${REGION}:123456789012:function:triggervault-dev-${name}`,
  );
  const created = await client(SFNClient, REGION).send(
    new CreateStateMachineCommand({
      name: unique('triggervault-backup'),
      definition: JSON.stringify(definition),
      roleArn: await lambdaRole(),
    }),
  );
  return { arn: created.stateMachineArn as string, definition };
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('start and status against the emulator Step Functions API', () => {
  it('starts the deployed state machine with input {} and reports it running', async () => {
    // Prepare
    const machine = await deployCompiledDefinition();
    const stored = await client(SFNClient, REGION).send(
      new DescribeStateMachineCommand({ stateMachineArn: machine.arn }),
    );
    expect(JSON.parse(stored.definition as string)).toEqual(machine.definition);
    const stdout = captureStdout();
    // Act
    const started = await startCommand({ stateMachineArn: machine.arn, json: true });
    const { executionArn } = JSON.parse(stdout.text()) as { executionArn: string };
    const status = await statusCommand({ execution: executionArn, json: true });
    stdout.restore();
    // Assess
    expect(started).toBe(0);
    expect(executionArn).toMatch(new RegExp(`^arn:aws:states:${REGION}:123456789012:execution:`));
    expect(status).toBe(0);
    expect(stdout.text()).toContain('"status": "RUNNING"');
  });

  it('finds the state machine from the stack outputs', async () => {
    // Prepare
    const machine = await deployCompiledDefinition();
    const stack = unique('triggervault');
    await client(CloudFormationClient, 'us-east-1').send(
      new CreateStackCommand({
        StackName: stack,
        TemplateBody: JSON.stringify({
          Resources: { Topic: { Type: 'AWS::SNS::Topic' } },
          Outputs: { StateMachineArn: { Value: machine.arn } },
        }),
      }),
    );
    const stdout = captureStdout();
    // Act
    const code = await startCommand({ stack, json: true });
    stdout.restore();
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout.text()).executionArn).toContain(`:execution:${machine.arn.split(':').pop()}:`);
  });

  it('refuses bad run input before calling AWS, naming the field', async () => {
    await expect(
      startCommand({
        stateMachineArn: 'arn:aws:states:eu-central-1:123456789012:stateMachine:x',
        input: '{"regions":5}',
      }),
    ).rejects.toThrow(InputValidationError);
    await expect(
      startCommand({
        stateMachineArn: 'arn:aws:states:eu-central-1:123456789012:stateMachine:x',
        input: '{"regions":5}',
      }),
    ).rejects.toThrow(/regions/);
  });
});
