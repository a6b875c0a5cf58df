import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KIND_NAMES } from '../../schemas/common.js';
import { type Emulator, startEmulator } from '../../src/local/emulator.js';
import { LAMBDA_INVOKE } from '../../src/local/state-machine.js';
import { type PackagedStack, packagedStack } from '../helpers/packaged-stack.js';

/**
 * The packaged stack (`npm run package`) deployed into moto's CloudFormation the way `osls deploy`
 * does it: create the stack (deployment bucket only), upload the artifacts under the prefix the
 * update template names, update the stack from the uploaded template. Its own emulator: ~100
 * resources stay out of the shared one.
 *
 * Where moto 5.2 differs from CloudFormation, the TEST works around it on a copy of the template it
 * uploads; the packaged template is never changed:
 *  - list-form Fn::Sub: moto substitutes with Python's string.Template, so `$$` (ASL context paths,
 *    "$$.Map.Item.Value") becomes `$`, and variables whose name starts with a digit (the md5 names
 *    serverless-step-functions gives) are not substituted (UpdateStack then fails with HTTP 500).
 *    The copy spells each Fn::Sub as the equivalent Fn::Join.
 *  - Fn::If → AWS::NoValue inside a list leaves `null` there (the key policy's optional statement):
 *    the copy drops those elements.
 *  - A KeyPolicy or a role's inline PolicyDocument given as an object is stored as a Python dict
 *    (DescribeKey answers 500, GetRolePolicy a Python repr): the copy wraps them in Fn::ToJsonString.
 *  - moto ignores some types (bucket/topic/queue policies, SNS subscriptions, alarms, EventBridge
 *    Scheduler schedules) and properties (log group KMS keys, Lambda architectures): those are
 *    asserted on the template by test/unit/stack.test.ts, not here.
 */

const STACK = 'triggervault-dev';
const REGION = 'us-east-1';
const IGNORED_BY_MOTO = new Set([
  'AWS::S3::BucketPolicy',
  'AWS::SNS::TopicPolicy',
  'AWS::SQS::QueuePolicy',
  'AWS::SNS::Subscription',
  'AWS::CloudWatch::Alarm',
  'AWS::Scheduler::Schedule',
]);

// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON.
type Cfn = any;

let emulator: Emulator;
let packaged: PackagedStack;
let config: {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
};
const resources: StackResourceSummary[] = [];
let stackStatus = '';

/** The test-only copy of the update template that moto can deploy (see the header). */
function motoCopy(template: Cfn): Cfn {
  const holds = (name: string): boolean => {
    const evaluate = (node: Cfn): Cfn => {
      if (typeof node !== 'object' || node === null) return node;
      if (node.Condition) return holds(node.Condition);
      if (node['Fn::Not']) return !evaluate(node['Fn::Not'][0]);
      if (node['Fn::And']) return node['Fn::And'].every(evaluate);
      if (node['Fn::Or']) return node['Fn::Or'].some(evaluate);
      if (node['Fn::Equals'])
        return (
          JSON.stringify(evaluate(node['Fn::Equals'][0])) === JSON.stringify(evaluate(node['Fn::Equals'][1]))
        );
      throw new Error(`condition ${JSON.stringify(node)}`);
    };
    return evaluate(template.Conditions[name]);
  };
  const isNoValue = (node: Cfn) => node?.Ref === 'AWS::NoValue';
  const walk = (node: Cfn): Cfn => {
    if (Array.isArray(node))
      return node
        .filter((item) => !(item?.['Fn::If'] && isNoValue(item['Fn::If'][holds(item['Fn::If'][0]) ? 1 : 2])))
        .map(walk);
    if (!node || typeof node !== 'object') return node;
    if (node['Fn::Sub'] && Object.keys(node).length === 1) {
      const [body, variables] = Array.isArray(node['Fn::Sub']) ? node['Fn::Sub'] : [node['Fn::Sub'], {}];
      const parts: Cfn[] = [];
      let last = 0;
      for (const match of (body as string).matchAll(/\$\{(!?)([^}]+)\}/g)) {
        parts.push(body.slice(last, match.index));
        const name = match[2] as string;
        if (match[1]) parts.push(`\${${name}}`);
        else if (name in variables) parts.push(walk(variables[name]));
        else if (name.includes('.') && !name.startsWith('AWS::'))
          parts.push({ 'Fn::GetAtt': name.split('.') });
        else parts.push({ Ref: name });
        last = (match.index as number) + match[0].length;
      }
      parts.push(body.slice(last));
      return { 'Fn::Join': ['', parts.filter((part) => part !== '')] };
    }
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value)]));
  };
  const copy = walk(template);
  for (const resource of Object.values(copy.Resources as Record<string, Cfn>)) {
    if (resource.Type === 'AWS::KMS::Key')
      resource.Properties.KeyPolicy = { 'Fn::ToJsonString': resource.Properties.KeyPolicy };
    if (resource.Type === 'AWS::IAM::Role')
      for (const policy of resource.Properties.Policies ?? [])
        policy.PolicyDocument = { 'Fn::ToJsonString': policy.PolicyDocument };
  }
  return copy;
}

/** moto applies a template synchronously: the status is final when Create/UpdateStack returns. */
async function stackStatusOf(cfn: CloudFormationClient) {
  const [stack] = (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks ?? [];
  return `${stack?.StackStatus} ${stack?.StackStatusReason ?? ''}`.trim();
}

beforeAll(async () => {
  packaged = await packagedStack();
  emulator = await startEmulator();
  config = {
    region: REGION,
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const cfn = new CloudFormationClient({ ...config, maxAttempts: 1 });
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const common = {
    StackName: STACK,
    Capabilities: ['CAPABILITY_IAM' as const, 'CAPABILITY_NAMED_IAM' as const],
    Tags: [{ Key: 'STAGE', Value: 'dev' }],
  };
  // 1. create: the deployment bucket only.
  await cfn.send(
    new CreateStackCommand({
      ...common,
      TemplateBody: readFileSync(
        join(packaged.directory, 'cloudformation-template-create-stack.json'),
        'utf8',
      ),
    }),
  );
  expect(await stackStatusOf(cfn)).toBe('CREATE_COMPLETE');
  const bucket = (
    await cfn.send(
      new DescribeStackResourceCommand({ StackName: STACK, LogicalResourceId: 'ServerlessDeploymentBucket' }),
    )
  ).StackResourceDetail?.PhysicalResourceId as string;
  // 2. upload the artifacts where the update template's functions expect their code.
  const keys = Object.values(packaged.template.Resources as Record<string, Cfn>)
    .filter((resource) => resource.Type === 'AWS::Lambda::Function')
    .map((resource) => resource.Properties.Code.S3Key as string);
  const prefix = (keys[0] as string).slice(0, (keys[0] as string).lastIndexOf('/'));
  const upload = (name: string, Body: Buffer | string) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${name}`, Body }));
  for (const file of readdirSync(packaged.directory).filter(
    (name) => name.endsWith('.zip') || name === 'serverless-state.json',
  ))
    await upload(file, readFileSync(join(packaged.directory, file)));
  await upload('compiled-cloudformation-template.json', JSON.stringify(motoCopy(packaged.template)));
  // 3. update from the uploaded template, as osls does (TemplateURL).
  await cfn.send(
    new UpdateStackCommand({
      ...common,
      TemplateURL: `https://s3.amazonaws.com/${bucket}/${prefix}/compiled-cloudformation-template.json`,
    }),
  );
  stackStatus = await stackStatusOf(cfn);
  for (let NextToken: string | undefined; ; ) {
    const page = await cfn.send(new ListStackResourcesCommand({ StackName: STACK, NextToken }));
    resources.push(...(page.StackResourceSummaries ?? []));
    NextToken = page.NextToken;
    if (!NextToken) break;
  }
}, 900_000);

afterAll(async () => {
  await emulator?.stop();
});

const physical = (logicalId: string) =>
  resources.find((resource) => resource.LogicalResourceId === logicalId)?.PhysicalResourceId;

/** Task states of a definition, nested Map/Parallel included. */
function tasks(states: Record<string, Cfn>): [string, Cfn][] {
  return Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === 'Task' ? [[name, state] as [string, Cfn]] : []),
    ...tasks((state.ItemProcessor ?? state.Iterator)?.States ?? {}),
    ...((state.Branches ?? []) as Cfn[]).flatMap((branch) => tasks(branch.States)),
  ]);
}

describe('the packaged stack, deployed into the emulator as osls deploys it (create, upload, update)', () => {
  it('creates every resource of the template', () => {
    // Assess
    expect(stackStatus).toBe('UPDATE_COMPLETE');
    const conditions = packaged.template.Conditions ?? {};
    const expected = Object.entries(packaged.template.Resources as Record<string, Cfn>)
      // Every Condition of the default parameters is false ('' → off): those resources are not created.
      .filter(([, resource]) => !resource.Condition || !(resource.Condition in conditions))
      .filter(([, resource]) => !IGNORED_BY_MOTO.has(resource.Type))
      .map(([id]) => id);
    expect(expected.length).toBeGreaterThan(80);
    expect(expected.filter((id) => !physical(id))).toEqual([]);
  });

  it.each(['BackupStateMachine', 'RestoreStateMachine'])(
    'points every Task of %s at a function that exists, the per-kind tasks at one for every kind',
    async (machineId) => {
      // Prepare
      const sfn = new SFNClient(config);
      const lambda = new LambdaClient(config);
      const existing = new Set<string>();
      for (let Marker: string | undefined; ; ) {
        const page = await lambda.send(new ListFunctionsCommand({ Marker }));
        for (const fn of page.Functions ?? []) existing.add(fn.FunctionArn as string);
        Marker = page.NextMarker;
        if (!Marker) break;
      }
      const { definition } = await sfn.send(
        new DescribeStateMachineCommand({ stateMachineArn: physical(machineId) }),
      );
      const plan = await lambda.send(new GetFunctionCommand({ FunctionName: `${STACK}-plan` }));
      const prefix = plan.Configuration?.Environment?.Variables?.TRIGGERVAULT_TASK_PREFIX as string;
      const states = tasks(JSON.parse(definition as string).States);
      const dynamic = states.filter(([, state]) => state.Resource === LAMBDA_INVOKE);
      // Assess
      expect(states.length).toBeGreaterThan(4);
      expect(dynamic.length).toBeGreaterThan(0);
      for (const [name, state] of states.filter(([, s]) => s.Resource !== LAMBDA_INVOKE))
        expect([name, existing.has(state.Resource)]).toEqual([name, true]);
      for (const [name, state] of dynamic) {
        // States.Format('{}-backup-{}', $.taskPrefix, $.item.kind): the deployed prefix, then each kind.
        const format = /^States\.Format\('([^']*)'/.exec(state.Parameters['FunctionName.$'])?.[1] as string;
        expect(format.match(/\{\}/g)).toHaveLength(2);
        for (const kind of KIND_NAMES) {
          const functionName = format.replace('{}', prefix).replace('{}', kind);
          const arn = `arn:aws:lambda:${REGION}:123456789012:function:${functionName}`;
          expect([name, functionName, existing.has(arn)]).toEqual([name, functionName, true]);
        }
      }
    },
  );

  it('starts the backup state machine on its schedule with the input {}', async () => {
    // Prepare
    const events = new EventBridgeClient(config);
    const ruleId = Object.entries(packaged.template.Resources as Record<string, Cfn>).find(
      ([, resource]) => resource.Type === 'AWS::Events::Rule' && !resource.Condition,
    )?.[0] as string;
    // Act
    const { Targets } = await events.send(new ListTargetsByRuleCommand({ Rule: physical(ruleId) }));
    // Assess
    expect(Targets).toHaveLength(1);
    expect(Targets?.[0]?.Arn).toBe(physical('BackupStateMachine'));
    expect(Targets?.[0]?.Input).toBe('{}');
    expect(Targets?.[0]?.RoleArn).toMatch(/^arn:aws:iam::123456789012:role\//);
  });
});
