import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { unzipSync } from 'fflate';
import { HANDLERS, type MachineName } from '../../deploy/handlers.js';
import { DELETION_UNITS } from '../../schemas/audit.js';
import { KIND_NAMES } from '../../schemas/common.js';
import { Retention } from '../../schemas/policy.js';
import { LAMBDA_INVOKE, loadStateMachine } from '../../src/local/state-machine.js';
import { packagedStack, ROOT } from '../helpers/packaged-stack.js';

// The deployable stack, checked on what `npm run package` (osls package, offline) produces:
// cloudformation-template-update-stack.json and one zip per handler (test/helpers/packaged-stack.ts:
// packaged once per test run, shared with the deploy test and the permission proof).

const STAGE = 'dev';
const SERVICE = 'triggervault';
/** The item functions the backup machine invokes by name, one per kind (`<service>-<stage>-backup-<kind>`). */
const ITEM_HANDLERS = KIND_NAMES.map((kind) => `backup-${kind}`);
/** Handler name → handler file of a state machine's tasks, from the handler table (deploy/handlers.ts). */
const handlerFiles = (machine: MachineName): Record<string, string> =>
  Object.fromEntries(
    HANDLERS.filter((spec) => spec.machine === machine).map((spec) => [spec.name, spec.entry]),
  );
/** backup.asl.yaml: its Fn::GetAtt tasks and the backup-<kind> functions its item task invokes. */
const HANDLER_FILES = handlerFiles('backup');
/** restore.asl.yaml: likewise, with restore-<kind> (src/local/handlers.ts binds the same names). */
const RESTORE_HANDLER_FILES = handlerFiles('restore');
const ALL_HANDLER_FILES = { ...HANDLER_FILES, ...RESTORE_HANDLER_FILES };
/**
 * Step Functions delivers logs through CloudWatch Logs vended log delivery, whose actions AWS
 * documents as not scopable to a resource: the one allowed exception to "Resource * is read-only".
 */
const VENDED_LOG_DELIVERY = new Set([
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);
/**
 * Writes AWS cannot scope to a resource, each only with the condition that limits it instead:
 * lambda:CreateEventSourceMapping (restoreTriggers) accepts no resource ARN, only the
 * lambda:FunctionArn condition key, which must name functions of this account.
 */
const UNSCOPABLE_WRITES: Record<string, (statement: Statement) => boolean> = {
  'lambda:CreateEventSourceMapping': (statement) =>
    (statement as OwnedStatement).owner === 'RestoreTriggersPolicy' &&
    /:lambda:\*:.*AWS::AccountId.*:function:\*/.test(
      JSON.stringify(statement.Condition?.ArnLike?.['lambda:FunctionArn'] ?? ''),
    ),
  // Finalize's audit: CloudTrail's LookupEvents names no resource (a read, despite its name).
  'cloudtrail:LookupEvents': (statement) => (statement as OwnedStatement).owner === 'FinalizePolicy',
  // CreateBackupVault needs it (AWS Backup policy feature), and it names no resource.
  'backup-storage:MountCapsule': (statement) =>
    /^BackupDash(dynamodbDashtable|s3Dashbucket)Policy$/.test((statement as OwnedStatement).owner),
};
const unscopableWrite = (statement: Statement, action: string) =>
  UNSCOPABLE_WRITES[action]?.(statement) === true;
const READ_ONLY_ACTION = /^[a-z0-9-]+:(List|Describe|Get)[A-Za-z0-9*]*$/;

// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON.
type Cfn = any;
interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: Cfn;
  Principal?: Cfn;
  Condition?: Cfn;
}
interface OwnedStatement extends Statement {
  /** Logical id of the role or policy resource the statement belongs to. */
  owner: string;
  /** Roles the statement applies to. */
  roles: string[];
}

const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
const actionsOf = (statement: Statement): string[] => asList(statement.Action);
const getAtt = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const underBucket = (bucket: string, suffix: string) => ({
  'Fn::Join': ['', [getAtt(bucket), suffix]],
});

let template: Cfn;
let packageOutput = '';
let packageDirectory = '';

/** Evaluates the template's Conditions (Fn::Not / Fn::Equals / Fn::And / Fn::Or on literals). */
function condition(name: string): boolean {
  const evaluate = (node: Cfn): boolean | string => {
    if (typeof node === 'string') return node;
    if (node['Fn::Not']) return !evaluate(node['Fn::Not'][0]);
    if (node['Fn::Equals']) return evaluate(node['Fn::Equals'][0]) === evaluate(node['Fn::Equals'][1]);
    if (node['Fn::And']) return node['Fn::And'].every((part: Cfn) => evaluate(part) === true);
    if (node['Fn::Or']) return node['Fn::Or'].some((part: Cfn) => evaluate(part) === true);
    if (node.Condition) return condition(node.Condition);
    throw new Error(`unsupported condition ${JSON.stringify(node)}`);
  };
  const definition = template.Conditions?.[name];
  if (definition === undefined) throw new Error(`no condition ${name}`);
  return evaluate(definition) === true;
}

/** Resolves Fn::If against the Conditions and drops AWS::NoValue, as CloudFormation does. */
function resolveIfs(node: Cfn): Cfn {
  if (Array.isArray(node)) return node.map(resolveIfs).filter((item) => item !== undefined);
  if (!node || typeof node !== 'object') return node;
  if (node.Ref === 'AWS::NoValue') return undefined;
  if (node['Fn::If']) {
    const [name, whenTrue, whenFalse] = node['Fn::If'];
    return resolveIfs(condition(name) ? whenTrue : whenFalse);
  }
  return Object.fromEntries(
    Object.entries(node)
      .map(([key, value]) => [key, resolveIfs(value)])
      .filter(([, value]) => value !== undefined),
  );
}

const resources = (): [string, Cfn][] =>
  Object.entries(template.Resources as Record<string, Cfn>).filter(
    ([, resource]) => !resource.Condition || condition(resource.Condition),
  );
const ofType = (type: string) => resources().filter(([, resource]) => resource.Type === type);
const only = (type: string, where: (resource: Cfn, id: string) => boolean = () => true): [string, Cfn] => {
  const matches = ofType(type).filter(([id, resource]) => where(resource, id));
  expect(matches.map(([id]) => id)).toHaveLength(1);
  return matches[0] as [string, Cfn];
};

const stateMachine = () => only('AWS::StepFunctions::StateMachine', (_, id) => id === 'BackupStateMachine');
const restoreStateMachine = () =>
  only('AWS::StepFunctions::StateMachine', (_, id) => id === 'RestoreStateMachine');
/** Each state machine with its ASL file, the task handlers it runs and how many functions that is. */
const MACHINES = [
  // Seven fixed tasks (Retention among them) and one backup-<kind> per kind; seven and one restore-<kind> per kind.
  {
    name: 'backup',
    file: 'backup.asl.yaml',
    machine: stateMachine,
    handlers: HANDLER_FILES,
    functions: 7 + KIND_NAMES.length,
  },
  {
    name: 'restore',
    file: 'restore.asl.yaml',
    machine: restoreStateMachine,
    handlers: RESTORE_HANDLER_FILES,
    functions: 8 + KIND_NAMES.length,
  },
];
const backupBucket = () =>
  only('AWS::S3::Bucket', (resource, id) => id !== 'ServerlessDeploymentBucket' && !!resource.Properties);
/** The symmetric key of the bucket, topic and queues (the manifest signing key is the other KMS key). */
const backupKey = () => only('AWS::KMS::Key', (_, id) => id === 'BackupKey');

/** Lambda function resources by their ASL name (the function name is <service>-<stage>-<name>). */
function functionsByName(): Map<string, [string, Cfn]> {
  const prefix = `${SERVICE}-${STAGE}-`;
  return new Map(
    ofType('AWS::Lambda::Function').map(([id, resource]) => [
      String(resource.Properties.FunctionName).slice(prefix.length),
      [id, resource],
    ]),
  );
}

/** Every identity-policy statement: inline role policies, AWS::IAM::Policy and managed policies. */
function identityStatements(): OwnedStatement[] {
  const statements: OwnedStatement[] = [];
  for (const [id, role] of ofType('AWS::IAM::Role')) {
    for (const policy of asList(role.Properties.Policies) as Cfn[]) {
      for (const statement of asList(resolveIfs(policy.PolicyDocument).Statement) as Statement[]) {
        statements.push({ ...statement, owner: id, roles: [id] });
      }
    }
  }
  for (const [id, policy] of [...ofType('AWS::IAM::Policy'), ...ofType('AWS::IAM::ManagedPolicy')]) {
    const roles = asList(policy.Properties.Roles).map((role: Cfn) => role.Ref as string);
    for (const statement of asList(resolveIfs(policy.Properties.PolicyDocument).Statement) as Statement[]) {
      statements.push({ ...statement, owner: id, roles });
    }
  }
  return statements;
}

/** Resource policies: key, bucket, topic and queue policies. */
function resourceStatements(): OwnedStatement[] {
  const documents: [string, Cfn][] = [
    ...ofType('AWS::KMS::Key').map(([id, r]): [string, Cfn] => [id, r.Properties.KeyPolicy]),
    ...ofType('AWS::S3::BucketPolicy').map(([id, r]): [string, Cfn] => [id, r.Properties.PolicyDocument]),
    ...ofType('AWS::SNS::TopicPolicy').map(([id, r]): [string, Cfn] => [id, r.Properties.PolicyDocument]),
    ...ofType('AWS::SQS::QueuePolicy').map(([id, r]): [string, Cfn] => [id, r.Properties.PolicyDocument]),
  ];
  return documents.flatMap(([id, document]) =>
    (asList(resolveIfs(document).Statement) as Statement[]).map((statement) => ({
      ...statement,
      owner: id,
      roles: [],
    })),
  );
}

/** Task states of an ASL definition (nested Map/Parallel included), with their Resource and timeout. */
function taskStates(
  states: Record<string, Cfn>,
): { name: string; resource: string; timeout?: number; parameters?: Cfn }[] {
  return Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === 'Task'
      ? [{ name, resource: state.Resource, timeout: state.TimeoutSeconds, parameters: state.Parameters }]
      : []),
    ...taskStates((state.ItemProcessor ?? state.Iterator)?.States ?? {}),
    ...asList(state.Branches).flatMap((branch: Cfn) => taskStates(branch.States)),
  ]);
}

/**
 * serverless-step-functions validates with asl-validator (`validate: true`), and asl-validator 3.16
 * writes each state's effective query language into the definition it validates: every state
 * without one gets `QueryLanguage: "JSONPath"` (the top-level default). Step Functions reads that as
 * the default it already is, so this removes exactly those injected defaults and nothing else.
 */
function withoutInjectedQueryLanguage(deployed: Cfn, file: Cfn): Cfn {
  const language = file.QueryLanguage ?? 'JSONPath';
  const walk = (node: Cfn, reference: Cfn, level: 'states' | 'state' | undefined): Cfn => {
    if (Array.isArray(node)) return node.map((item, index) => walk(item, reference?.[index], undefined));
    if (!node || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node)
        .filter(
          ([key, value]) =>
            !(
              level === 'state' &&
              key === 'QueryLanguage' &&
              value === language &&
              !('QueryLanguage' in (reference ?? {}))
            ),
        )
        .map(([key, value]) => [
          key,
          walk(
            value,
            reference?.[key],
            key === 'States' && level !== 'states' ? 'states' : level === 'states' ? 'state' : undefined,
          ),
        ]),
    );
  };
  return walk(deployed, file, undefined);
}

const deployedArn = (functionName: string) =>
  `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`;

beforeAll(async () => {
  // Prepare: the stack as `npm run package` builds it (no account, no network), once per test run.
  const packaged = await packagedStack();
  packageDirectory = packaged.directory;
  packageOutput = packaged.output;
  template = packaged.template;
}, 900_000);

describe('deployable stack (serverless.yml packaged by osls)', () => {
  it('packages without configuration warnings and validates the state machine definition', () => {
    // Assess
    expect(packageOutput).toMatch(/State machine "backup" definition is valid/);
    expect(packageOutput).toMatch(/State machine "restore" definition is valid/);
    expect(
      ofType('AWS::StepFunctions::StateMachine')
        .map(([id]) => id)
        .sort(),
    ).toEqual(['BackupStateMachine', 'RestoreStateMachine']);
    expect(packageOutput).toMatch(/Service packaged/);
    expect(packageOutput).not.toMatch(/warning|deprecat/i);
  });

  it.each(MACHINES)(
    'deploys exactly $file: the definition, with its function references resolved, equals the file',
    ({ name: direction, file, machine: which, handlers }) => {
      // Prepare
      const [, machine] = which();
      const byName = functionsByName();
      const {
        definition: expected,
        taskHandlers,
        invokeTasks,
      } = loadStateMachine(file, (name) => deployedArn(`${SERVICE}-${STAGE}-${name}`));
      const definitionString = machine.Properties.DefinitionString;
      const [body, substitutions] =
        typeof definitionString === 'string' ? [definitionString, {}] : definitionString['Fn::Sub'];
      const logicalToName = new Map([...byName].map(([name, [id, resource]]) => [id, [name, resource]]));
      // Act: substitute each ${var} back, as CloudFormation's Fn::Sub does on deploy.
      const resolved = (body as string).replace(/\$\{([^}]+)\}/g, (match, variable: string) => {
        const reference = (substitutions as Record<string, Cfn>)[variable];
        const target = reference?.['Fn::GetAtt'];
        if (!Array.isArray(target) || target[1] !== 'Arn' || !logicalToName.has(target[0])) return match;
        const [, resource] = logicalToName.get(target[0]) as [string, Cfn];
        return deployedArn(resource.Properties.FunctionName);
      });
      // Assess
      expect(resolved).not.toMatch(/\$\{/);
      expect(withoutInjectedQueryLanguage(JSON.parse(resolved), expected)).toEqual(expected);
      // The item task invokes `<taskPrefix>-<direction>-<kind>` by name: one function per kind.
      const invokedByName = Object.values(invokeTasks).flatMap((task) =>
        [...byName.keys()].filter((name) => task.names.test(name)),
      );
      expect(new Set(invokedByName)).toEqual(new Set(KIND_NAMES.map((kind) => `${direction}-${kind}`)));
      expect(new Set([...Object.values(taskHandlers), ...invokedByName])).toEqual(
        new Set(Object.keys(handlers)),
      );
    },
  );

  it('has one nodejs22.x arm64 function per ASL task, named as the ASL names it, on handlers/<kebab>.handler', () => {
    // Prepare
    const byName = functionsByName();
    // Assess
    expect([...byName.keys()].sort()).toEqual(Object.keys(ALL_HANDLER_FILES).sort());
    for (const [name, file] of Object.entries(ALL_HANDLER_FILES)) {
      const [, fn] = byName.get(name) as [string, Cfn];
      expect(fn.Properties.Handler).toBe(`handlers/${file}.handler`);
      expect(existsSync(join(ROOT, 'handlers', `${file}.ts`))).toBe(true);
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Environment.Variables.TRIGGERVAULT_STORE).toEqual({
        'Fn::Join': ['', ['s3://', { Ref: backupBucket()[0] }]],
      });
      expect(typeof fn.Properties.Environment.Variables.TRIGGERVAULT_REGIONS).toBe('string');
      expect(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe(SERVICE);
      expect(fn.Properties.Environment.Variables.TRIGGERVAULT_LOG_LEVEL).toMatch(/^(DEBUG|INFO|WARN|ERROR)$/);
    }
    // The item tasks name functions `<TRIGGERVAULT_TASK_PREFIX>-backup-<kind>`: Plan's prefix is the stack's.
    for (const [, [, fn]] of byName)
      expect(fn.Properties.Environment.Variables.TRIGGERVAULT_TASK_PREFIX).toBe(`${SERVICE}-${STAGE}`);
    for (const kind of KIND_NAMES)
      for (const direction of ['backup', 'restore']) {
        const [, fn] = byName.get(`${direction}-${kind}`) as [string, Cfn];
        expect(fn.Properties.FunctionName).toBe(`${SERVICE}-${STAGE}-${direction}-${kind}`);
        expect(fn.Properties.Environment.Variables.TRIGGERVAULT_KIND).toBe(kind);
      }
    const publish = (byName.get('publish') as [string, Cfn])[1].Properties.Environment.Variables;
    expect(publish.TRIGGERVAULT_TOPIC_ARN).toEqual({ Ref: only('AWS::SNS::Topic')[0] });
    expect(publish.TRIGGERVAULT_DLQ_URL).toEqual({ Ref: 'DeadLetterQueue' });
    const drillPublish = (byName.get('drillPublish') as [string, Cfn])[1].Properties.Environment.Variables;
    expect(drillPublish.TRIGGERVAULT_TOPIC_ARN).toEqual({ Ref: only('AWS::SNS::Topic')[0] });
  });

  it.each(MACHINES)(
    'gives each $file function a timeout within the TimeoutSeconds of every Task state that runs it',
    ({ file, machine: which, handlers }) => {
      // Prepare
      const byName = functionsByName();
      const [, machine] = which();
      const [body, substitutions] = machine.Properties.DefinitionString['Fn::Sub'];
      const tasks = taskStates(JSON.parse(body).States);
      const { invokeTasks } = loadStateMachine(file);
      const idToName = new Map([...byName].map(([name, [id]]) => [id, name]));
      /** The functions a Task runs: its Fn::GetAtt function, or every function its FunctionName can name. */
      const functionsOf = (task: (typeof tasks)[number]): string[] => {
        const variable = /^\$\{(.+)\}$/.exec(task.resource)?.[1];
        if (variable) return [idToName.get(substitutions[variable]['Fn::GetAtt'][0]) as string];
        expect(task.resource).toBe(LAMBDA_INVOKE);
        expect(task.parameters['FunctionName.$']).toMatch(/^States\.Format\('\{\}-/);
        return [...byName.keys()].filter((name) => invokeTasks[task.name]?.names.test(name));
      };
      // Assess
      expect(tasks.flatMap(functionsOf).length).toBeGreaterThanOrEqual(Object.keys(handlers).length);
      for (const task of tasks) {
        expect(functionsOf(task).length).toBeGreaterThan(0);
        for (const name of functionsOf(task)) {
          const [, fn] = byName.get(name) as [string, Cfn];
          expect(task.timeout).toBeDefined();
          expect(Object.keys(handlers)).toContain(name);
          expect(fn.Properties.Timeout).toBeLessThanOrEqual(task.timeout as number);
        }
      }
      for (const name of ITEM_HANDLERS) {
        expect((byName.get(name) as [string, Cfn])[1].Properties.Timeout).toBe(900);
      }
    },
  );

  it('logs the state machine to a log group with retention and names it in the Outputs', () => {
    // Prepare
    const [machineId, machine] = stateMachine();
    const destination =
      machine.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn;
    const logGroup = template.Resources[destination['Fn::GetAtt'][0]];
    // Assess
    expect(machine.Properties.LoggingConfiguration.Level).not.toBe('OFF');
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
    expect(template.Outputs.StateMachineArn.Value).toEqual({ Ref: machineId });
    expect(template.Outputs.BackupBucketName.Value).toEqual({ Ref: backupBucket()[0] });
    expect(template.Outputs.TopicArn.Value).toEqual({ Ref: only('AWS::SNS::Topic')[0] });
    expect(template.Outputs.DeadLetterQueueUrl.Value).toEqual({ Ref: 'DeadLetterQueue' });
    // The restore state machine: its own log group, its ARN in the Outputs.
    const [restoreId, restore] = restoreStateMachine();
    const restoreDestination =
      restore.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn;
    const restoreLogGroup = template.Resources[restoreDestination['Fn::GetAtt'][0]];
    expect(restore.Properties.LoggingConfiguration.Level).not.toBe('OFF');
    expect(restoreDestination['Fn::GetAtt'][0]).not.toBe(destination['Fn::GetAtt'][0]);
    expect(restoreLogGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(restoreLogGroup.Properties.RetentionInDays).toBeGreaterThan(0);
    expect(template.Outputs.RestoreStateMachineArn.Value).toEqual({ Ref: restoreId });
  });

  it('starts the restore state machine on no schedule by default; drillSchedule starts a drill', () => {
    // Prepare
    const [restoreId] = restoreStateMachine();
    const targets = Object.values(template.Resources as Record<string, Cfn>)
      .filter(
        (resource) => resource.Type === 'AWS::Events::Rule' || resource.Type === 'AWS::Scheduler::Schedule',
      )
      .map(
        (resource) => [resource, asList(resource.Properties.Targets ?? resource.Properties.Target)] as const,
      );
    const drill = targets.filter(([, list]) => list.some((target: Cfn) => target.Arn?.Ref === restoreId));
    // Assess: the only rule starting it is the conditional drill rule, off with the default ''.
    expect(ofType('AWS::Events::Rule').some(([, rule]) => JSON.stringify(rule).includes(restoreId))).toBe(
      false,
    );
    expect(drill).toHaveLength(1);
    const [rule, [target]] = drill[0] as [Cfn, Cfn[]];
    expect(rule.Condition).toBe('HasDrillSchedule');
    expect(condition('HasDrillSchedule')).toBe(false);
    expect(JSON.parse(target.Input)).toEqual({ drill: true });
    const role = template.Resources[target.RoleArn['Fn::GetAtt'][0]];
    expect(role.Condition).toBe('HasDrillSchedule');
    expect(role.Properties.Policies.flatMap((policy: Cfn) => policy.PolicyDocument.Statement)).toEqual([
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: restoreId } },
    ]);
  });

  it('starts the state machine on the EventBridge schedule with the input "{}"', () => {
    // Prepare
    const [machineId] = stateMachine();
    const [, rule] = only('AWS::Events::Rule', (resource) => resource.Properties.ScheduleExpression);
    const target = rule.Properties.Targets[0];
    const role = template.Resources[target.RoleArn['Fn::GetAtt'][0]];
    const statements = role.Properties.Policies.flatMap((policy: Cfn) => policy.PolicyDocument.Statement);
    // Assess
    expect(rule.Properties.ScheduleExpression).toBe('rate(1 day)');
    expect(rule.Properties.State).toBe('ENABLED');
    expect(rule.Properties.Targets).toHaveLength(1);
    expect(target.Arn).toEqual({ Ref: machineId });
    expect(target.Input).toBe('{}');
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['states:StartExecution'], Resource: { Ref: machineId } },
    ]);
  });

  it('keeps backups in a versioned, SSE-KMS, TLS-only, non-public bucket with a rotating customer key', () => {
    // Prepare
    const [bucketId, bucket] = backupBucket();
    const [keyId, key] = backupKey();
    const properties = resolveIfs(bucket.Properties);
    const rule = properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
    const [, bucketPolicy] = only(
      'AWS::S3::BucketPolicy',
      (resource) => resource.Properties.Bucket.Ref === bucketId,
    );
    const denies = (bucketPolicy.Properties.PolicyDocument.Statement as Statement[]).filter(
      (statement) => statement.Effect === 'Deny',
    );
    // Assess
    expect(properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(rule.ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
    expect(rule.ServerSideEncryptionByDefault.KMSMasterKeyID).toEqual(getAtt(keyId));
    expect(rule.BucketKeyEnabled).toBe(true);
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(
      properties.LifecycleConfiguration.Rules.some(
        (lifecycle: Cfn) =>
          lifecycle.Status === 'Enabled' && lifecycle.NoncurrentVersionExpiration?.NoncurrentDays > 0,
      ),
    ).toBe(true);
    expect(denies).toContainEqual(
      expect.objectContaining({
        Principal: '*',
        Action: 's3:*',
        Resource: [getAtt(bucketId), underBucket(bucketId, '/*')],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    // Defaults: no CORS (opt-in); Object Lock on (see the immutability tests below).
    expect(properties.CorsConfiguration).toBeUndefined();
    expect(bucket.Properties.ObjectLockConfiguration['Fn::If'][0]).toBe('UseObjectLock');
  });

  it('encrypts the results topic and every queue with the key; the DLQ keeps messages 14 days', () => {
    // Prepare
    const [keyId] = backupKey();
    const [, topic] = only('AWS::SNS::Topic');
    const queues = ofType('AWS::SQS::Queue');
    const [, subscriptionQueue] = only('AWS::SQS::Queue', (queue) => !!queue.Properties.RedrivePolicy);
    // Assess
    expect(topic.Properties.KmsMasterKeyId).toEqual({ Ref: keyId });
    expect(queues.length).toBeGreaterThanOrEqual(2);
    for (const [, queue] of queues) expect(queue.Properties.KmsMasterKeyId).toEqual({ Ref: keyId });
    expect(template.Resources.DeadLetterQueue.Properties.MessageRetentionPeriod).toBe(1209600);
    const redriveTarget = subscriptionQueue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
    expect(template.Resources[redriveTarget].Type).toBe('AWS::SQS::Queue');
    expect(
      ofType('AWS::SNS::Subscription').some(
        ([, subscription]) =>
          subscription.Properties.Protocol === 'sqs' && subscription.Properties.TopicArn.Ref,
      ),
    ).toBe(true);
  });

  it('alarms on failed and timed-out executions and on a non-empty DLQ, notifying the topic', () => {
    // Prepare
    const [machineId] = stateMachine();
    const [topicId] = only('AWS::SNS::Topic');
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    const find = (metric: string) => alarms.find((alarm) => alarm.MetricName === metric);
    // Assess
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      expect(find(metric)).toMatchObject({
        Namespace: 'AWS/States',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machineId } }],
        AlarmActions: [{ Ref: topicId }],
      });
    }
    expect(find('ApproximateNumberOfMessagesVisible')).toMatchObject({
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] } }],
      AlarmActions: [{ Ref: topicId }],
    });
  });

  it('alarms on mass deletion per unit at the parameterised share or count, notifying the topic', () => {
    // Prepare
    const [topicId] = only('AWS::SNS::Topic');
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    const finalize = template.Resources.FinalizeLambdaFunction.Properties.Environment.Variables;
    // Assess: one alarm per unit Finalize counts, on its two metrics, with the defaults (10 %, count off)
    for (const unit of DELETION_UNITS) {
      const alarm = alarms.find((candidate) =>
        candidate.Metrics?.some(
          (metric: Cfn) =>
            metric.MetricStat?.Metric.MetricName === 'DeletedShare' &&
            metric.MetricStat.Metric.Dimensions[1].Value === unit,
        ),
      );
      expect(alarm).toMatchObject({ AlarmActions: [{ Ref: topicId }], Threshold: 1 });
      const metrics = Object.fromEntries(alarm.Metrics.map((metric: Cfn) => [metric.Id, metric]));
      expect(metrics.deleted.MetricStat.Metric).toEqual({
        Namespace: 'Triggervault',
        MetricName: 'Deleted',
        // Exactly the dimensions Finalize's EMF carries (test/unit/deletions.test.ts), or no data arrives.
        Dimensions: [
          { Name: 'service', Value: 'triggervault' },
          { Name: 'unit', Value: unit },
        ],
      });
      expect(metrics.mass).toMatchObject({
        ReturnData: true,
        Expression: 'IF(deleted > 0 && (share >= 10 || (0 > 0 && deleted >= 0)), 1, 0)',
      });
    }
    expect(finalize).toMatchObject({
      TRIGGERVAULT_MASS_DELETION_SHARE: '10',
      TRIGGERVAULT_MASS_DELETION_COUNT: '0',
    });
  });

  it('allows no "*" or "service:*" action in any policy, and "Resource: *" only for List/Describe/Get', () => {
    // Prepare
    const identity = identityStatements();
    const machineRoles = [stateMachine(), restoreStateMachine()].map(
      ([, machine]) => machine.Properties.RoleArn['Fn::GetAtt'][0] as string,
    );
    const allows = [...identity, ...resourceStatements()].filter((statement) => statement.Effect === 'Allow');
    // Assess
    expect(identity.length).toBeGreaterThan(30);
    for (const statement of allows) {
      for (const action of actionsOf(statement)) {
        expect(`${statement.owner}: ${action}`).not.toMatch(/: (\*|[a-z0-9-]+:\*)$/);
      }
    }
    const unscoped = identity.filter(
      (statement) => statement.Effect === 'Allow' && asList(statement.Resource).includes('*'),
    );
    const violations = unscoped.flatMap((statement) =>
      actionsOf(statement)
        .filter(
          (action) =>
            !READ_ONLY_ACTION.test(action) &&
            !(machineRoles.includes(statement.owner) && VENDED_LOG_DELIVERY.has(action)) &&
            !unscopableWrite(statement, action),
        )
        .map((action) => `${statement.owner}: ${action} on *`),
    );
    expect(unscoped.length).toBeGreaterThan(0);
    expect(violations).toEqual([]);
  });

  it('gives each backup handler its own role, and those roles write only to the backup bucket, own logs, topic and DLQ', () => {
    // Prepare
    const byName = new Map([...functionsByName()].filter(([name]) => name in HANDLER_FILES));
    const [bucketId] = backupBucket();
    const [keyId] = backupKey();
    const [topicId] = only('AWS::SNS::Topic');
    const roles = [...byName.values()].map(([, fn]) => fn.Properties.Role['Fn::GetAtt'][0] as string);
    const statements = identityStatements();
    const isBackupBucket = (resource: Cfn) =>
      JSON.stringify(resource) === JSON.stringify(getAtt(bucketId)) ||
      (resource['Fn::Join']?.[1]?.[0] &&
        JSON.stringify(resource['Fn::Join'][1][0]) === JSON.stringify(getAtt(bucketId)));
    const text = (value: Cfn) => JSON.stringify(value);
    const sameAccount = (statement: Statement) =>
      text(statement.Condition?.StringEquals?.['aws:ResourceAccount']) === text({ Ref: 'AWS::AccountId' });
    const inAccount = (resource: Cfn) => text(resource).includes('{"Ref":"AWS::AccountId"}');
    const finalizeRole = (byName.get('finalize') as [string, Cfn])[1].Properties.Role['Fn::GetAtt'][0];
    const retentionRole = (byName.get('retention') as [string, Cfn])[1].Properties.Role['Fn::GetAtt'][0];
    const awsBackupRoles = ['backup-dynamodb-table', 'backup-s3-bucket'].map(
      (name) => (byName.get(name) as [string, Cfn])[1].Properties.Role['Fn::GetAtt'][0],
    );
    /** Actions that change something, and where a handler may do them. */
    const writes: [RegExp, (resource: Cfn, role: string, statement: Statement) => boolean][] = [
      [/^s3:(PutObject|PutObjectAcl|PutObjectTagging|AbortMultipartUpload|DeleteObject)$/, isBackupBucket],
      // Finalize writes each copy of a run, Retention alone prunes them: runs/ and blobs/ of a bucket
      // of this account.
      [
        /^s3:(PutObject|AbortMultipartUpload)$/,
        (resource, role, statement) =>
          role === finalizeRole &&
          sameAccount(statement) &&
          /:s3:::\*\/(runs|blobs)\/\*"/.test(text(resource)),
      ],
      [
        /^s3:DeleteObject$/,
        (resource, role, statement) =>
          role === retentionRole &&
          sameAccount(statement) &&
          /:s3:::\*\/(runs|blobs)\/\*"/.test(text(resource)),
      ],
      // AWS Backup (policy feature): vaults, jobs and the vault key of this account, on the tables and
      // buckets' backup Lambdas only; the job's role is passed only to AWS Backup.
      [
        /^(backup:(CreateBackupVault|PutBackupVaultLockConfiguration|StartBackupJob|StartCopyJob)|kms:(CreateGrant|RetireGrant|GenerateDataKey|Decrypt))$/,
        (resource, role, statement) =>
          awsBackupRoles.includes(role) &&
          inAccount(resource) &&
          (!/^kms:/.test(actionsOf(statement)[0] as string) ||
            text(statement.Condition?.StringLike?.['kms:ViaService']) === '"backup.*.amazonaws.com"'),
      ],
      [/^backup-storage:MountCapsule$/, (_, role) => awsBackupRoles.includes(role)],
      // Finalize's audit reads CloudTrail (LookupEvents names no resource).
      [/^cloudtrail:LookupEvents$/, (resource, role) => resource === '*' && role === finalizeRole],
      // A key of the account, only through the service that uses it (a copy bucket's key via S3).
      [
        /^kms:(Decrypt|GenerateDataKey)$/,
        (resource, _, statement) =>
          /:kms:\*:/.test(text(resource)) && !!statement.Condition?.StringLike?.['kms:ViaService'],
      ],
      [
        /^iam:PassRole$/,
        (resource, role, statement) =>
          awsBackupRoles.includes(role) &&
          !/role\/\*"?$/.test(text(resource)) &&
          text(statement.Condition?.StringEquals?.['iam:PassedToService']) === '["backup.amazonaws.com"]',
      ],
      [
        /^logs:(CreateLogStream|PutLogEvents)$/,
        (resource, role) => resource['Fn::GetAtt']?.[0] === `${role.replace(/Role$/, '')}LogGroup`,
      ],
      [
        /^kms:(Decrypt|GenerateDataKey)$/,
        (resource) => JSON.stringify(resource) === JSON.stringify(getAtt(keyId)),
      ],
      // Signing a manifest: Finalize alone, with the manifest key alone.
      [
        /^kms:Sign$/,
        (resource, role) =>
          role === 'FinalizeRole' &&
          JSON.stringify(resource) === JSON.stringify(getAtt('ManifestSigningKey')),
      ],
      [/^kms:Decrypt$/, (resource) => /:kms:\*:/.test(JSON.stringify(resource))],
      [/^sns:Publish$/, (resource) => resource.Ref === topicId],
      [
        /^sqs:(SendMessage|ReceiveMessage|DeleteMessage|ChangeMessageVisibility)$/,
        (resource) => resource['Fn::GetAtt']?.[0] === 'DeadLetterQueue',
      ],
      // Starts an export of a protected table into the backup bucket; changes nothing on the table.
      [/^dynamodb:ExportTableToPointInTime$/, (resource) => /:table\/\*/.test(JSON.stringify(resource))],
    ];
    // BatchGetImage reads image manifests (ecr-image).
    const readOnly =
      /^[a-z0-9-]+:(List|Describe|Get|Scan|Query)[A-Za-z0-9*]*$|^apigateway:GET$|^ecr:BatchGetImage$/;
    const violations: string[] = [];
    // Assess
    expect(new Set(roles).size).toBe(Object.keys(HANDLER_FILES).length);
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    for (const role of roles) {
      const trust = template.Resources[role].Properties.AssumeRolePolicyDocument.Statement;
      expect(trust).toEqual([
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
      const own = statements.filter((statement) => statement.roles.includes(role));
      expect(own.length).toBeGreaterThan(0);
      expect(
        statements.filter((statement) => statement.roles.includes(role) && statement.roles.length > 1),
      ).toEqual([]);
      for (const statement of own.filter((s) => s.Effect === 'Allow')) {
        for (const action of actionsOf(statement).filter((a) => !readOnly.test(a))) {
          const rules = writes.filter(([pattern]) => pattern.test(action));
          const permitted = asList(statement.Resource).every((resource) =>
            rules.some(([, where]) => where(resource, role, statement)),
          );
          if (!permitted) violations.push(`${role}: ${action} on ${JSON.stringify(statement.Resource)}`);
        }
      }
    }
    expect(violations).toEqual([]);
    const actionsOfRole = (name: string) => {
      const role = (byName.get(name) as [string, Cfn])[1].Properties.Role['Fn::GetAtt'][0];
      return statements.filter((s) => s.roles.includes(role)).flatMap(actionsOf);
    };
    // Verify writes only its own check results, never a run's artifacts or manifest.
    const verifyRole = (byName.get('verify') as [string, Cfn])[1].Properties.Role['Fn::GetAtt'][0];
    const verifyWrites = statements
      .filter((s) => s.roles.includes(verifyRole) && actionsOf(s).includes('s3:PutObject'))
      .map((s) => JSON.stringify(s.Resource));
    expect(verifyWrites).toHaveLength(1);
    expect(verifyWrites[0]).toMatch(/\/runs\/\*\/verify\/\*"/);
    expect(actionsOfRole('verify')).not.toContain('s3:DeleteObject');
    expect(actionsOfRole('publish')).toEqual(expect.arrayContaining(['sns:Publish', 'sqs:SendMessage']));
    expect(actionsOfRole('plan')).toContain('ec2:DescribeRegions');
    expect(actionsOfRole('plan')).not.toContain('sns:Publish');
  });

  it('gives each restore handler its own role, writing only in this account, to runs/*/restores/* of the store and never to the backup bucket', () => {
    // Prepare
    const byName = functionsByName();
    const [bucketId] = backupBucket();
    const [keyId] = backupKey();
    const [topicId] = only('AWS::SNS::Topic');
    const roleOf = (name: string) =>
      (byName.get(name) as [string, Cfn])[1].Properties.Role['Fn::GetAtt'][0] as string;
    const restoreRoles = Object.keys(RESTORE_HANDLER_FILES).map(roleOf);
    const backupRoles = Object.keys(HANDLER_FILES).map(roleOf);
    const statements = identityStatements();
    const text = (resource: Cfn) => JSON.stringify(resource);
    const inAccount = (resource: Cfn) =>
      !!resource['Fn::Join'] && text(resource).includes('{"Ref":"AWS::AccountId"}');
    const sameAccountCondition = (statement: Statement) =>
      text(statement.Condition?.StringEquals?.['aws:ResourceAccount']) === text({ Ref: 'AWS::AccountId' });
    const ofStore = (resource: Cfn) => text(resource).includes(text(getAtt(bucketId)));
    const storeRestores = text(underBucket(bucketId, '/runs/*/restores/*'));
    // BatchGetImage and BatchCheckLayerAvailability read images and blobs (ecr-image).
    const readOnly =
      /^[a-z0-9-]+:(List|Describe|Get|Scan|Query)[A-Za-z0-9*]*$|^apigateway:GET$|^ecr:(BatchGetImage|BatchCheckLayerAvailability)$/;
    /** Where a restore handler may do an action that changes something. */
    const permitted = (statement: Statement, action: string, resource: Cfn, role: string): boolean => {
      if (
        /^logs:(CreateLogStream|PutLogEvents)$/.test(action) &&
        resource['Fn::GetAtt']?.[0] === `${role.replace(/Role$/, '')}LogGroup`
      )
        return true;
      if (/^kms:(Decrypt|GenerateDataKey)$/.test(action) && text(resource) === text(getAtt(keyId)))
        return true;
      if (/^kms:(Decrypt|GenerateDataKey)$/.test(action))
        return (
          /:kms:\*:/.test(text(resource)) &&
          inAccount(resource) &&
          !!statement.Condition?.StringLike?.['kms:ViaService']
        );
      if (ofStore(resource))
        return /^s3:(PutObject|AbortMultipartUpload)$/.test(action) && text(resource) === storeRestores;
      if (action === 'sns:Publish') return role === roleOf('drillPublish') && resource.Ref === topicId;
      // Only the deployment's allow-list (param passRoleArns: literal role ARNs, never role/*), or, for
      // the AWS Backup restores of tables and buckets, the policies' AWS Backup roles handed to AWS Backup.
      if (action === 'iam:PassRole')
        return (
          ((/^arn:aws:iam::\d{12}:role\/.+/.test(String(resource)) && !String(resource).endsWith('role/*')) ||
            (['restore-dynamodb-table', 'restore-s3-bucket'].some((name) => role === roleOf(name)) &&
              /:role\/service-role\/AWSBackupDefaultServiceRole"/.test(text(resource)) &&
              text(statement.Condition?.StringEquals?.['iam:PassedToService']) ===
                '["backup.amazonaws.com"]')) &&
          !!statement.Condition?.StringEquals?.['iam:PassedToService']
        );
      if (unscopableWrite(statement, action)) return role === roleOf('restoreTriggers');
      // Deletes: only the drill's scratch copies (-drill-xxxxxx) or the triggers it wired.
      if (/:(Delete|Remove|Unsubscribe)|^apigateway:DELETE$/.test(action)) {
        // Outside the cleanup, only what a restore reconciles under --force: a stale permission, tag,
        // bucket or bus policy, inline role policy or boundary, or a REST method replaced whole.
        if (role !== roleOf('drillCleanup'))
          return (
            (/^(lambda:RemovePermission|lambda:RemoveLayerVersionPermission|kinesis:RemoveTagsFromStream|events:RemovePermission|iam:DeleteRolePolicy|iam:DeleteRolePermissionsBoundary)$/.test(
              action,
            ) &&
              inAccount(resource)) ||
            (action === 'apigateway:DELETE' &&
              role === roleOf('restore-apigateway-rest-api') &&
              /:apigateway:\*::\/(restapis|tags)/.test(text(resource))) ||
            (action === 'apigateway:DELETE' &&
              role === roleOf('restore-apigateway-http-api') &&
              /:apigateway:\*::\/tags/.test(text(resource))) ||
            (action === 's3:DeleteBucketPolicy' && sameAccountCondition(statement)) ||
            // An object whose copied bytes are not the backup's is removed at once.
            (action === 's3:DeleteObject' &&
              role === roleOf('restore-s3-bucket') &&
              sameAccountCondition(statement)) ||
            // The ImportTable fallback deletes the table a failed import created.
            (action === 'dynamodb:DeleteTable' &&
              role === roleOf('restore-dynamodb-table') &&
              inAccount(resource))
          );
        if (
          /^(lambda:DeleteFunction|lambda:DeleteLayerVersion|dynamodb:DeleteTable|kinesis:DeleteStream|s3:DeleteBucket|s3:DeleteObject|s3:DeleteObjectVersion|sqs:DeleteQueue|sns:DeleteTopic|events:DeleteEventBus|events:DeleteArchive|iam:DeleteRole|iam:DeleteRolePolicy|iam:RemoveRoleFromInstanceProfile|ecr:DeleteRepository)$/.test(
            action,
          )
        )
          return text(resource).includes('-drill-*');
      }
      if (/:s3:::\*/.test(text(resource))) return sameAccountCondition(statement);
      if (/^apigateway:/.test(action)) return /:apigateway:\*::\/((rest)?apis|tags)/.test(text(resource));
      return inAccount(resource);
    };
    const violations: string[] = [];
    // Assess
    expect(new Set([...restoreRoles, ...backupRoles]).size).toBe(Object.keys(ALL_HANDLER_FILES).length);
    for (const role of restoreRoles) {
      const trust = template.Resources[role].Properties.AssumeRolePolicyDocument.Statement;
      expect(trust).toEqual([
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
      const own = statements.filter((statement) => statement.roles.includes(role));
      expect(own.filter((statement) => statement.roles.length > 1)).toEqual([]);
      // The backup bucket itself is never changed, whatever an Allow on arn:aws:s3:::* says.
      expect(own).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: expect.arrayContaining(['s3:DeleteBucket', 's3:PutBucketPolicy', 's3:DeleteObject']),
          Resource: [getAtt(bucketId), underBucket(bucketId, '/*')],
        }),
      );
      for (const statement of own.filter((s) => s.Effect === 'Allow')) {
        for (const action of actionsOf(statement).filter((a) => !readOnly.test(a))) {
          for (const resource of asList(statement.Resource)) {
            if (resource === '*' && !unscopableWrite(statement, action))
              violations.push(`${role}: ${action} on *`);
            else if (resource !== '*' && !permitted(statement, action, resource, role))
              violations.push(`${role}: ${action} on ${text(resource)}`);
          }
        }
      }
    }
    expect(violations).toEqual([]);
    const actionsOfRole = (name: string) =>
      statements.filter((s) => s.Effect === 'Allow' && s.roles.includes(roleOf(name))).flatMap(actionsOf);
    // Only the handlers that restore write to the protected account; each only what it restores.
    for (const name of ['restorePlan', 'restoreFailure', 'restoreReport', 'drillPublish']) {
      expect(
        actionsOfRole(name).filter(
          (a) => !/^(logs|kms|s3):/.test(a) && a !== 'sns:Publish' && !readOnly.test(a),
        ),
      ).toEqual([]);
    }
    expect(actionsOfRole('restoreRegion')).toContain('lambda:PublishLayerVersion');
    expect(actionsOfRole('restore-lambda-function')).toEqual(
      expect.arrayContaining([
        'lambda:CreateFunction',
        'lambda:UpdateFunctionCode',
        'lambda:PublishVersion',
        'lambda:AddPermission',
        'iam:PassRole',
      ]),
    );
    expect(actionsOfRole('restore-lambda-function')).not.toContain('dynamodb:CreateTable');
    // The data kinds, once restoreData, each restore with their own role and only what their kind needs.
    const dataRoles = ['restore-dynamodb-table', 'restore-kinesis-stream', 'restore-s3-bucket'];
    expect(dataRoles.flatMap(actionsOfRole)).toEqual(
      expect.arrayContaining([
        'dynamodb:CreateTable',
        'dynamodb:BatchWriteItem',
        'dynamodb:ImportTable',
        'kinesis:CreateStream',
        'kinesis:PutRecords',
        's3:CreateBucket',
        's3:PutObject',
      ]),
    );
    for (const name of dataRoles) expect(actionsOfRole(name)).not.toContain('lambda:CreateFunction');
    const services = (name: string) => new Set(actionsOfRole(name).map((action) => action.split(':')[0]));
    expect(actionsOfRole('restore-dynamodb-table')).toEqual(
      expect.arrayContaining(['dynamodb:CreateTable', 'dynamodb:BatchWriteItem', 'dynamodb:ImportTable']),
    );
    // Tables and buckets also restore from AWS Backup recovery points (StartRestoreJob), handing the
    // policies' AWS Backup role to AWS Backup alone.
    expect(services('restore-dynamodb-table')).toEqual(
      new Set(['logs', 's3', 'kms', 'dynamodb', 'backup', 'iam']),
    );
    for (const name of ['restore-dynamodb-table', 'restore-s3-bucket'])
      expect(actionsOfRole(name).filter((action) => action.startsWith('iam:'))).toEqual(['iam:PassRole']);
    expect(actionsOfRole('restore-kinesis-stream')).toEqual(
      expect.arrayContaining(['kinesis:CreateStream', 'kinesis:PutRecords']),
    );
    expect(services('restore-kinesis-stream')).toEqual(new Set(['logs', 's3', 'kms', 'kinesis']));
    expect(actionsOfRole('restore-s3-bucket')).toEqual(
      expect.arrayContaining(['s3:CreateBucket', 's3:PutObject']),
    );
    expect(services('restore-s3-bucket')).toEqual(new Set(['logs', 's3', 'kms', 'backup', 'iam']));
    expect(actionsOfRole('restoreTriggers')).toEqual(
      expect.arrayContaining([
        'lambda:CreateEventSourceMapping',
        's3:PutBucketNotification',
        'events:PutRule',
        'events:PutTargets',
        'scheduler:CreateSchedule',
        'sns:Subscribe',
        'apigateway:PUT',
        'apigateway:POST',
        'iam:PassRole',
      ]),
    );
    expect(
      new Set(actionsOfRole('drillCompare').filter((a) => !readOnly.test(a) && !/^(logs|kms):/.test(a))),
    ).toEqual(new Set(['s3:PutObject', 's3:AbortMultipartUpload']));
    // Only the execution-role kind creates roles (it cannot pass them); no other restore handler can.
    for (const name of Object.keys(RESTORE_HANDLER_FILES).filter((entry) => entry !== 'restore-iam-role'))
      expect(actionsOfRole(name)).not.toContain('iam:CreateRole');
    expect(actionsOfRole('restore-iam-role')).toEqual(
      expect.arrayContaining(['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy']),
    );
    expect(actionsOfRole('restore-iam-role')).not.toContain('iam:PassRole');
    // The source kinds each restore with their own role, in their own service only.
    const own = {
      'restore-sqs-queue': ['sqs'],
      'restore-sns-topic': ['sns', 'iam'],
      'restore-eventbridge-bus': ['events'],
      'restore-apigateway-rest-api': ['apigateway', 'iam'],
      'restore-apigateway-http-api': ['apigateway', 'iam'],
      'restore-iam-role': ['iam'],
      'restore-ecr-image': ['ecr', 'kms'],
    };
    for (const [name, kinds] of Object.entries(own))
      expect({ name, services: services(name) }).toEqual({
        name,
        services: new Set(['logs', 's3', 'kms', ...kinds]),
      });
  });

  it.each(MACHINES)(
    'lets the $file state machine role invoke exactly its $functions task functions',
    ({ machine: which, handlers, functions }) => {
      // Prepare
      const byName = new Map([...functionsByName()].filter(([name]) => name in handlers));
      const [machineRole] = which()[1].Properties.RoleArn['Fn::GetAtt'];
      const own = identityStatements().filter((statement) => statement.roles.includes(machineRole));
      const invoke = own.filter((statement) =>
        actionsOf(statement).some((action) => action.startsWith('lambda:')),
      );
      // Assess
      expect(byName.size).toBe(functions);
      expect(invoke).toHaveLength(1);
      expect(actionsOf(invoke[0] as Statement)).toEqual(['lambda:InvokeFunction']);
      expect(new Set(asList((invoke[0] as Statement).Resource).map((r: Cfn) => JSON.stringify(r)))).toEqual(
        new Set([...byName.values()].map(([id]) => JSON.stringify(getAtt(id)))),
      );
    },
  );

  it('lets only the handler roles and the backup state machine (through S3, SNS, SQS) use the key; the account only administers it', () => {
    // Prepare
    const [keyId, key] = backupKey();
    const statements = asList(resolveIfs(key.Properties.KeyPolicy).Statement) as Statement[];
    const decrypting = statements.filter(
      (statement) => statement.Effect === 'Allow' && actionsOf(statement).includes('kms:Decrypt'),
    );
    // The backup state machine's Distributed Map reads the work lists (ItemReader) and writes the Map
    // Run's results (ResultWriter) in the SSE-KMS store itself.
    const [, machine] = stateMachine();
    const handlerRoles = [
      ...[...functionsByName().values()].map(([, fn]) => fn.Properties.Role['Fn::GetAtt'][0]),
      machine.Properties.RoleArn['Fn::GetAtt'][0],
    ];
    const awsPrincipals = decrypting.flatMap((statement) => asList(statement.Principal?.AWS));
    // Assess
    expect(keyId).toBeDefined();
    expect(new Set(awsPrincipals.map((principal: Cfn) => principal['Fn::GetAtt']?.[0]))).toEqual(
      new Set(handlerRoles),
    );
    for (const statement of statements.filter((s) => JSON.stringify(s.Principal).includes(':root'))) {
      expect(actionsOf(statement)).not.toContain('kms:Decrypt');
      expect(actionsOf(statement)).not.toContain('kms:*');
    }
  });

  it('bundles every handler as a self-contained ES module that loads and runs on Node 22', () => {
    // Prepare
    const directory = mkdtempSync(join(tmpdir(), 'triggervault-bundles-'));
    const store = join(directory, 'store');
    const entries = Object.entries(ALL_HANDLER_FILES).map(([name, file]) => {
      const files = unzipSync(readFileSync(join(packageDirectory, `${name}.zip`)));
      for (const [path, bytes] of Object.entries(files)) {
        mkdirSync(dirname(join(directory, name, path)), { recursive: true });
        writeFileSync(join(directory, name, path), bytes);
      }
      expect(Object.keys(files)).toContain(`handlers/${file}.mjs`);
      expect(Object.keys(files).filter((path) => path.includes('node_modules'))).toEqual([]);
      return join(directory, name, 'handlers', `${file}.mjs`);
    });
    const script = `
      const loaded = [];
      for (const entry of process.argv.slice(1)) loaded.push(typeof (await import(entry)).handler);
      const plan = await import(process.argv[1]);
      const result = await plan.handler({}, { getRemainingTimeInMillis: () => 60000 });
      console.log(JSON.stringify({ loaded, result }));`;
    // Act: a clean environment, like Lambda's, with the plan bundle writing into a local store.
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, ...entries], {
      cwd: directory,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        TRIGGERVAULT_STORE: `file://${store}`,
        TRIGGERVAULT_REGIONS: 'us-east-1,eu-west-1',
      },
    });
    // Assess
    try {
      expect(run.stderr).toBe('');
      const { loaded, result } = JSON.parse(run.stdout);
      expect(loaded).toEqual(entries.map(() => 'function'));
      expect(result).toMatchObject({ store: `file://${store}`, regions: ['us-east-1', 'eu-west-1'] });
      expect(existsSync(join(store, 'runs', result.runId, 'plan.json'))).toBe(true);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('immutable backups (issue 14), on the packaged template', () => {
  const bucketPolicy = (): Statement[] => {
    const [bucketId] = backupBucket();
    const [, policy] = only(
      'AWS::S3::BucketPolicy',
      (resource) => resource.Properties.Bucket.Ref === bucketId,
    );
    return policy.Properties.PolicyDocument.Statement as Statement[];
  };
  const handlerRoles = () =>
    [...functionsByName().values()].map(([, fn]) => fn.Properties.Role['Fn::GetAtt'][0] as string);
  /** Whether a bucket-policy Deny with an ArnNotEquals aws:PrincipalArn condition applies to `role`. */
  const deniesTo = (statement: Statement, role: string) => {
    const exempt = statement.Condition?.ArnNotEquals?.['aws:PrincipalArn'];
    return exempt === undefined || JSON.stringify(exempt) !== JSON.stringify(getAtt(role));
  };

  it('denies deleting or unlocking anything under runs/ and blobs/ to every handler role but retention', () => {
    // Prepare
    const [bucketId] = backupBucket();
    const denyDeletes = bucketPolicy().filter(
      (statement) =>
        statement.Effect === 'Deny' &&
        statement.Principal === '*' &&
        actionsOf(statement).includes('s3:DeleteObject') &&
        actionsOf(statement).includes('s3:DeleteObjectVersion'),
    );
    // Assess
    expect(denyDeletes).toHaveLength(1);
    const deny = denyDeletes[0] as Statement;
    expect(actionsOf(deny)).toEqual(
      expect.arrayContaining([
        's3:BypassGovernanceRetention',
        's3:PutObjectRetention',
        's3:PutObjectLegalHold',
      ]),
    );
    expect(asList(deny.Resource)).toEqual([
      underBucket(bucketId, '/runs/*'),
      underBucket(bucketId, '/blobs/*'),
    ]);
    const roles = handlerRoles();
    expect(roles).toContain('RetentionRole');
    for (const role of roles) expect([role, deniesTo(deny, role)]).toEqual([role, role !== 'RetentionRole']);
    // And no handler role is even granted a delete in the store but retention (and tmp/ uploads).
    const inStore = (resource: Cfn) => JSON.stringify(resource).includes(JSON.stringify(getAtt(bucketId)));
    const grants = identityStatements().filter(
      (statement) => statement.Effect === 'Allow' && actionsOf(statement).includes('s3:DeleteObject'),
    );
    for (const grant of grants)
      for (const resource of asList(grant.Resource).filter(inStore))
        if (JSON.stringify(resource) !== JSON.stringify(underBucket(bucketId, '/tmp/*')))
          expect(grant.roles).toEqual(['RetentionRole']);
  });

  it('lets only Finalize write manifests, write-once; blobs are written with If-None-Match', () => {
    // Prepare
    const [bucketId] = backupBucket();
    const manifest = underBucket(bucketId, '/runs/*/manifest.json');
    const denies = bucketPolicy().filter((statement) => statement.Effect === 'Deny');
    const onManifest = denies.filter((statement) =>
      asList(statement.Resource).some((resource) => JSON.stringify(resource) === JSON.stringify(manifest)),
    );
    const onBlobs = denies.filter((statement) =>
      asList(statement.Resource).some(
        (resource) => JSON.stringify(resource) === JSON.stringify(underBucket(bucketId, '/blobs/sha256/*')),
      ),
    );
    // Assess: writers other than Finalize are denied; unconditional puts are denied to everyone.
    const byPrincipal = onManifest.find((statement) => statement.Condition?.ArnNotEquals);
    for (const role of handlerRoles())
      expect([role, deniesTo(byPrincipal as Statement, role)]).toEqual([role, role !== 'FinalizeRole']);
    expect(onManifest.map((statement) => statement.Condition)).toContainEqual({
      Null: { 's3:if-none-match': 'true', 's3:if-match': 'true' },
      Bool: { 's3:ObjectCreationOperation': 'true' },
    });
    expect(onBlobs.map((statement) => statement.Condition)).toContainEqual({
      Null: { 's3:if-none-match': 'true' },
      Bool: { 's3:ObjectCreationOperation': 'true' },
    });
  });

  it('turns Object Lock GOVERNANCE on by default, no shorter than the default minimum age of a run', () => {
    // Prepare
    const [, bucket] = backupBucket();
    const properties = resolveIfs(bucket.Properties);
    const retention = properties.ObjectLockConfiguration.Rule.DefaultRetention;
    // Assess
    expect(properties.ObjectLockEnabled).toBe(true);
    expect(properties.ObjectLockConfiguration.ObjectLockEnabled).toBe('Enabled');
    expect(retention.Mode).toBe('GOVERNANCE');
    expect(Number(retention.Days)).toBeGreaterThanOrEqual(Retention.parse({}).minAgeDays);
  });

  it('signs manifests with an asymmetric key that only the Finalize role may use to sign', () => {
    // Prepare
    const [, key] = only('AWS::KMS::Key', (_, id) => id === 'ManifestSigningKey');
    const statements = key.Properties.KeyPolicy.Statement as Statement[];
    const signers = statements.filter((statement) =>
      actionsOf(statement).some((action) => action === 'kms:Sign' || action === 'kms:*'),
    );
    const grantedInIam = identityStatements().filter((statement) =>
      actionsOf(statement).includes('kms:Sign'),
    );
    // Assess
    expect(key.Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    expect(signers.map((statement) => statement.Principal)).toEqual([{ AWS: getAtt('FinalizeRole') }]);
    expect(grantedInIam.flatMap((statement) => statement.roles)).toEqual(['FinalizeRole']);
    for (const name of Object.keys(ALL_HANDLER_FILES))
      expect(Object.keys(functionsByName().get(name)?.[1].Properties.Environment.Variables ?? {})).toContain(
        'TRIGGERVAULT_SIGNING_KEY',
      );
  });

  it('announces ScheduleKeyDeletion and DisableKey of the backup and signing keys on the results topic', () => {
    // Prepare
    const [ruleId, rule] = only(
      'AWS::Events::Rule',
      (resource) => resource.Properties.EventPattern !== undefined,
    );
    const [topicId] = only('AWS::SNS::Topic');
    const [, topicPolicy] = only('AWS::SNS::TopicPolicy');
    // Assess
    expect(rule.Properties.EventPattern).toMatchObject({
      source: ['aws.kms'],
      detail: {
        eventName: ['ScheduleKeyDeletion', 'DisableKey'],
        resources: { ARN: [getAtt('BackupKey'), getAtt('ManifestSigningKey')] },
      },
    });
    expect(rule.Properties.Targets).toEqual([{ Id: 'ResultsTopic', Arn: { Ref: topicId } }]);
    expect(topicPolicy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: { ArnEquals: { 'aws:SourceArn': getAtt(ruleId) } },
      }),
    );
  });
});
