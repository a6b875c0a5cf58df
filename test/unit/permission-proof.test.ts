import { beforeAll, describe, expect, it } from '@jest/globals';
import type { RecordedCall } from '../../src/aws/call-log.js';
import { namingFields } from '../../src/aws/call-log.js';
import { ACCOUNT, evaluate, evaluateService, prove, STACK_REGION, Stack } from '../helpers/iam/proof.js';
import { requestsOf, UnmappedCallError } from '../helpers/iam/requests.js';
import { packagedStack } from '../helpers/packaged-stack.js';

// The evaluator of the permission proof (global teardown replays the suites' calls with it), checked
// on the packaged stack with calls written out here: what it allows, and negative controls — another
// handler's role, a role outside the allow-list, a statement removed — that it must deny.

let stack: Stack;
const STORE = 's3://tv-store-proof';

const call = (
  handler: string,
  client: string,
  command: string,
  input: Record<string, unknown>,
  region = 'eu-west-1',
): RecordedCall => ({
  handler,
  bindings: { store: STORE },
  client,
  command: `${command}Command`,
  region,
  input,
});
const verdictsOf = async (calls: RecordedCall[], asRole?: (handler: string) => string) =>
  (await prove(stack, calls, asRole)).verdicts.map((v) => [v.request.action, v.allowed] as const);

beforeAll(async () => {
  stack = new Stack((await packagedStack()).template);
}, 900_000);

describe('permission proof: the evaluator', () => {
  it('resolves every policy of the packaged stack to plain values', () => {
    // Assess
    const text = JSON.stringify(stack.resources);
    expect(text).not.toMatch(/"(Ref|Fn::[A-Za-z]+)"/);
    expect(stack.handlers().length).toBeGreaterThanOrEqual(20);
  });

  it('allows Plan to write its plan into the store, with the key the store bucket encrypts with', async () => {
    // Act
    const verdicts = await verdictsOf([
      call('plan', 'S3Client', 'PutObject', { Bucket: 'tv-store-proof', Key: 'runs/1/plan.json' }),
    ]);
    // Assess: the store is the stack's bucket, and S3 asks KMS for a data key through the key policy.
    expect(verdicts).toEqual([
      ['s3:PutObject', true],
      ['kms:GenerateDataKey', true],
    ]);
  });

  it("denies the same write as Verify's role, which only reads the store (negative control)", async () => {
    // Act
    const verdicts = await verdictsOf(
      [call('plan', 'S3Client', 'PutObject', { Bucket: 'tv-store-proof', Key: 'runs/1/plan.json' })],
      () => stack.roleOf('verify'),
    );
    // Assess
    expect(verdicts).toContainEqual(['s3:PutObject', false]);
  });

  it("denies a restore's CreateBucket as the backup kind's role, and Publish as drill compare's (negative controls)", async () => {
    // Prepare
    const createBucket = call('restore-s3-bucket', 'S3Client', 'CreateBucket', { Bucket: 'orders-restored' });
    const publish = call('publish', 'SNSClient', 'Publish', {
      TopicArn: `arn:aws:sns:${STACK_REGION}:${ACCOUNT}:triggervault-dev-results`,
    });
    // Act
    const own = await verdictsOf([createBucket, publish]);
    const others = await verdictsOf([createBucket, publish], (handler) =>
      stack.roleOf(handler === 'publish' ? 'drillCompare' : 'backup-s3-bucket'),
    );
    // Assess
    expect(own).toEqual([
      ['s3:CreateBucket', true],
      ['sns:Publish', true],
      ['kms:GenerateDataKey', true],
      ['kms:Decrypt', true],
    ]);
    expect(others.filter(([action]) => !action.startsWith('kms:'))).toEqual([
      ['s3:CreateBucket', false],
      ['sns:Publish', false],
    ]);
  });

  it('lets restore pass only the roles of the passRoleArns allow-list, and only to Lambda', async () => {
    // Prepare
    const create = (role: string) =>
      call('restore-lambda-function', 'LambdaClient', 'CreateFunction', {
        FunctionName: 'orders',
        Role: `arn:aws:iam::${ACCOUNT}:role/${role}`,
      });
    // Act
    const listed = await verdictsOf([create('tv-app-role')]);
    const unlisted = await verdictsOf([create('admin')]);
    const asTriggers = await verdictsOf([create('tv-app-role')], () => stack.roleOf('restoreTriggers'));
    // Assess
    expect(listed).toEqual([
      ['lambda:CreateFunction', true],
      ['iam:PassRole', true],
    ]);
    expect(unlisted).toEqual([
      ['lambda:CreateFunction', true],
      ['iam:PassRole', false],
    ]);
    // restoreTriggers may pass the same roles, but to EventBridge, Scheduler and API Gateway only.
    expect(asTriggers).toContainEqual(['iam:PassRole', false]);
  });

  it('turns an allowed call into a denied one when the statement that grants it is removed', async () => {
    // Prepare
    const write = call('plan', 'S3Client', 'PutObject', {
      Bucket: 'tv-store-proof',
      Key: 'runs/1/plan.json',
    });
    const [request] = await requestsOf(stack.deployed(write, new Set([STORE])), stack.mapping);
    const role = stack.roleOf('plan');
    const policies = stack.identityPolicies(role);
    const without = policies.map(({ name, policy }) => ({
      name,
      policy: {
        ...policy,
        Statement: policy.Statement.filter((s: { Sid?: string }) => s.Sid !== 'StoreWriteRuns'),
      },
    }));
    // Act
    const before = await evaluate(stack, 'plan', role, request as never, policies);
    const after = await evaluate(stack, 'plan', role, request as never, without);
    // Assess
    expect(before.allowed).toBe(true);
    expect(after.allowed).toBe(false);
    expect(after.reasons).toMatch(/ImplicitlyDenied/);
  });

  it('lets CloudWatch Logs use the key for exactly the two state machine log groups', () => {
    // Prepare: iam-simulate drops kms:EncryptionContext:aws:logs:arn (a key with colons) as not
    // applicable, so this condition is checked on the resolved key policy instead.
    const key = Object.values(stack.resources).find((r) => r.Type === 'AWS::KMS::Key');
    const statements = key?.Properties.KeyPolicy.Statement as {
      Principal?: { Service?: string };
      Condition?: Record<string, Record<string, string[]>>;
    }[];
    const logs = statements.filter(
      (statement) => statement.Principal?.Service === `logs.${STACK_REGION}.amazonaws.com`,
    );
    const machineLogGroups = ['StateMachineLogGroup', 'RestoreStateMachineLogGroup'].map(
      (id) =>
        `arn:aws:logs:${STACK_REGION}:${ACCOUNT}:log-group:${stack.resources[id]?.Properties.LogGroupName}`,
    );
    // Assess
    expect(logs).toHaveLength(1);
    expect(logs[0]?.Condition?.ArnEquals?.['kms:EncryptionContext:aws:logs:arn']).toEqual(machineLogGroups);
  });

  it('schedules each policy of the policy file, as a role EventBridge Scheduler may assume only for this stack', async () => {
    // Prepare
    const schedules = Object.values(stack.resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule');
    const role = Object.entries(stack.resources).find(([id]) => id === 'PolicySchedulerRole')?.[1] as {
      arn: string;
      Properties: { AssumeRolePolicyDocument: unknown; Policies: { PolicyDocument: unknown }[] };
    };
    const backupMachine = stack.resources.BackupStateMachine?.ref as string;
    const assume = (account: string) => ({
      action: 'sts:AssumeRole',
      resource: role.arn,
      context: {
        'aws:SourceAccount': account,
        'aws:SourceArn': `arn:aws:scheduler:${STACK_REGION}:${account}:schedule/default/triggervault-dev-nightly`,
      },
    });
    const start = (stateMachineArn: string) => ({
      action: 'states:StartExecution',
      resource: stateMachineArn,
      context: {},
    });
    const identity = role.Properties.Policies.map((policy, index) => ({
      name: `p${index}`,
      policy: policy.PolicyDocument,
    }));
    // Act
    const trusted = await evaluateService(
      'scheduler.amazonaws.com',
      assume(ACCOUNT),
      role.Properties.AssumeRolePolicyDocument,
    );
    const foreign = await evaluateService(
      'scheduler.amazonaws.com',
      assume('210987654321'),
      role.Properties.AssumeRolePolicyDocument,
    );
    const backup = await evaluate(stack, 'scheduler', role.arn, start(backupMachine), identity);
    const restore = await evaluate(
      stack,
      'scheduler',
      role.arn,
      start(stack.resources.RestoreStateMachine?.ref as string),
      identity,
    );
    // Assess
    expect(
      schedules.map((s) => [
        s.Properties.Name,
        s.Properties.Target.Arn,
        JSON.parse(s.Properties.Target.Input).policy.name,
      ]),
    ).toEqual([
      ['triggervault-dev-nightly', backupMachine, 'nightly'],
      ['triggervault-dev-tables-weekly', backupMachine, 'tables-weekly'],
    ]);
    expect(schedules.every((s) => s.Properties.Target.RoleArn === role.arn)).toBe(true);
    expect([trusted, foreign]).toEqual([true, false]);
    expect([backup.allowed, restore.allowed]).toEqual([true, false]);
  });

  it('refuses an operation it cannot map, instead of allowing it', async () => {
    // Act + Assess
    await expect(
      requestsOf(call('plan', 'RekognitionClient', 'DetectLabels', {}), stack.mapping),
    ).rejects.toThrow(UnmappedCallError);
    await expect(requestsOf(call('plan', 'S3Client', 'GetObject', {}), stack.mapping)).rejects.toThrow(
      /no Bucket/,
    );
  });

  it('writes only naming fields to the call log: never bodies, items, environment or messages', () => {
    // Act
    const fields = namingFields({
      FunctionName: 'orders',
      Role: 'arn:aws:iam::123456789012:role/app',
      Environment: { Variables: { Key: 'secret-api-key', Bucket: 'b' } },
      Body: 'data',
      RequestItems: { orders: [{ PutRequest: { Item: { id: { S: 'x' } } } }] },
      Target: { Arn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:m', Input: '{"secret":1}' },
    });
    // Assess
    expect(fields).toEqual({
      FunctionName: 'orders',
      Role: 'arn:aws:iam::123456789012:role/app',
      RequestItems: ['orders'],
      Target: { Arn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:m' },
    });
  });
});
