import { existsSync, readFileSync } from 'node:fs';
import type { PolicyFile } from '../schemas/policy.js';
import { loadStateMachine } from '../src/local/state-machine.js';
import { parsePolicyFile } from '../src/policy/load.js';
import { policySchedules } from '../src/policy/schedules.js';
import { type Cfn, logicalName, resolveTokens, type Statement } from './cfn.js';
import { HANDLERS, type HandlerSpec, type MachineName } from './handlers.js';
import { lambdaTrust, ownLogs, passRoleTo } from './permissions.js';

/**
 * Generates the parts of serverless.yml that follow from the handler table (deploy/handlers.ts)
 * and the ASL files; serverless.yml reads them through deploy/stack.cjs:
 *   functions        one function per handler, on its own role
 *   resources        one IAM role (trust only) + one AWS::IAM::Policy per handler
 *   keyPrincipals    the handler roles that may use the backup key (BackupKey's key policy), and
 *                    the backup state machine's role (its Distributed Map reads and writes the store)
 *   invoke.<machine> what each state machine's role may invoke: the functions of its Task states
 *   dependsOn.<m.>   the policies each state machine waits for (the backup machine also its own
 *                    invoke and Map Run policies, deploy/resources/state-machines.yml)
 * and, from the deployment's parameters (serverless.yml `params`):
 *   passRoleArns     the only roles restore may hand to Lambda, EventBridge, Scheduler, API Gateway
 *   policyFile       one EventBridge Scheduler schedule per policy (src/policy/schedules.ts), and the
 *                    roles AWS Backup jobs of those policies run as
 */

/** What a deployment chooses beyond the handler table. */
export interface Deployment {
  /** Role ARNs (wildcards allowed in a name, never `role/*`) restore may pass on; [] = none. */
  passRoleArns: string[];
  /** The policy file deployed as schedules (absent: the single default schedule only). */
  policies?: PolicyFile;
  /** Schedule names start with it: `<service>-<stage>`. */
  namePrefix: string;
}

/** AWS Backup's default service role, which a policy without `awsBackup.iamRoleArn` uses. */
const AWS_BACKUP_DEFAULT_ROLE =
  'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/service-role/AWSBackupDefaultServiceRole';

const csv = (value: unknown): string[] =>
  String(value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Reads the deployment's choices as osls resolves them (deploy/stack.cjs passes resolveVariable). */
export async function deploymentFrom(resolve: (variable: string) => Promise<unknown>): Promise<Deployment> {
  const passRoleArns = csv(await resolve('param:passRoleArns'));
  for (const arn of passRoleArns)
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.*[^*/]/.test(arn) || /:role\/\*$/.test(arn))
      throw new Error(`param passRoleArns: ${arn} is not a role ARN naming roles (role/* is not allowed)`);
  const policyFile = String((await resolve('param:policyFile')) ?? '');
  const policies =
    policyFile && existsSync(policyFile)
      ? parsePolicyFile(readFileSync(policyFile, 'utf8'), policyFile)
      : undefined;
  const namePrefix = `${await resolve('self:service')}-${await resolve('sls:stage')}`;
  return { passRoleArns, policies, namePrefix };
}

export const DEFAULT_DEPLOYMENT: Deployment = { passRoleArns: [], namePrefix: 'triggervault-dev' };

/** The roles AWS Backup jobs run as: each policy's awsBackup.iamRoleArn, else AWS's default. */
const awsBackupRoles = (deployment: Deployment): string[] => {
  const named = (deployment.policies?.policies ?? []).flatMap((policy) =>
    policy.awsBackup?.iamRoleArn ? [policy.awsBackup.iamRoleArn] : [],
  );
  return [...new Set([AWS_BACKUP_DEFAULT_ROLE, ...named])];
};

/** A handler's iam:PassRole statements: only the deployment's roles, only to the named services. */
function passRoleStatements(spec: HandlerSpec, deployment: Deployment): Statement[] {
  return (spec.passRoles ?? []).flatMap(({ roles, to }, index) => {
    const arns = roles === 'restore' ? deployment.passRoleArns : awsBackupRoles(deployment);
    return arns.length ? [passRoleTo(`PassRoles${index ? index + 1 : ''}`, arns, to)] : [];
  });
}

export const MACHINE_FILES: Record<MachineName, string> = {
  backup: 'backup.asl.yaml',
  restore: 'restore.asl.yaml',
};

/**
 * deploy/resources/state-machines.yml: the backup machine's role, which the key policy names (its
 * Distributed Map reads the work lists and writes its results in the store), and its policies.
 */
const BACKUP_MACHINE_ROLE = 'StateMachineRole';
const BACKUP_MACHINE_POLICIES = ['BackupStateMachineInvokePolicy', 'BackupStateMachineMapRunPolicy'];

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
export const roleOf = (spec: HandlerSpec) => `${logicalName(spec.name)}Role`;
export const policyOf = (spec: HandlerSpec) => `${logicalName(spec.name)}Policy`;
export const functionOf = (spec: HandlerSpec) => `${logicalName(spec.name)}LambdaFunction`;
const logGroupOf = (spec: HandlerSpec) => `${logicalName(spec.name)}LogGroup`;

/**
 * The handlers a state machine may invoke, in table order: its `Fn::GetAtt` Task states, and for
 * each `lambda:invoke` Task every handler its FunctionName can name (e.g. every `backup-<kind>`).
 */
export function invokedHandlers(machine: MachineName): HandlerSpec[] {
  const { taskHandlers, invokeTasks } = loadStateMachine(MACHINE_FILES[machine]);
  const invoked = new Set(Object.values(taskHandlers));
  for (const name of invoked)
    if (!HANDLERS.some((spec) => spec.name === name))
      throw new Error(`${MACHINE_FILES[machine]} runs ${name}, which deploy/handlers.ts does not list`);
  for (const [state, task] of Object.entries(invokeTasks)) {
    const names = HANDLERS.filter((spec) => task.names.test(spec.name)).map((spec) => spec.name);
    if (!names.length)
      throw new Error(
        `${MACHINE_FILES[machine]} state ${state} (${task.expression}) can invoke no listed handler`,
      );
    for (const name of names) invoked.add(name);
  }
  return HANDLERS.filter((spec) => invoked.has(spec.name));
}

/** Every handler belongs to the state machine that invokes it, and is invoked by its own only. */
function checkMachines(invoked: Record<MachineName, HandlerSpec[]>) {
  for (const machine of Object.keys(MACHINE_FILES) as MachineName[]) {
    const fromAsl = invoked[machine].map((spec) => spec.name).join(', ');
    const fromTable = HANDLERS.filter((spec) => spec.machine === machine)
      .map((spec) => spec.name)
      .join(', ');
    if (fromAsl !== fromTable)
      throw new Error(
        `${MACHINE_FILES[machine]} invokes [${fromAsl}] but deploy/handlers.ts gives it [${fromTable}]`,
      );
  }
}

function functionOfSpec(spec: HandlerSpec): Cfn {
  return {
    handler: `handlers/${spec.entry}.handler`,
    description: spec.description,
    role: roleOf(spec),
    memorySize: spec.memorySize,
    timeout: spec.timeout,
    ...(spec.environment ? { environment: resolveTokens(spec.environment) } : {}),
  };
}

/** One role holding only the trust policy, and its permissions as a separate policy (the key policy names the roles, the policies name the key). */
function roleAndPolicy(spec: HandlerSpec, deployment: Deployment): Record<string, Cfn> {
  return {
    [roleOf(spec)]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `triggervault ${spec.name} handler${spec.roleNote ? ` (${spec.roleNote})` : ''}`,
        AssumeRolePolicyDocument: lambdaTrust,
      },
    },
    [policyOf(spec)]: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: `triggervault-${kebab(spec.name)}`,
        Roles: [{ Ref: roleOf(spec) }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: resolveTokens([
            ownLogs(logGroupOf(spec)),
            ...spec.permissions,
            ...passRoleStatements(spec, deployment),
          ]),
        },
      },
    },
  };
}

/** One EventBridge Scheduler schedule per policy of the deployment's policy file, and their role. */
function scheduleResources(deployment: Deployment): Record<string, Cfn> {
  if (!deployment.policies?.policies.length) return {};
  const resources = policySchedules(deployment.policies, {
    stateMachineArn: { Ref: 'BackupStateMachine' },
    namePrefix: deployment.namePrefix,
  });
  // EventBridge Scheduler assumes the role only for this account's schedules of this stack.
  for (const resource of Object.values(resources))
    if (resource.Type === 'AWS::IAM::Role')
      resource.Properties.AssumeRolePolicyDocument.Statement[0].Condition = resolveTokens({
        StringEquals: { 'aws:SourceAccount': '${AWS::AccountId}' },
        ArnLike: {
          'aws:SourceArn': `arn:\${AWS::Partition}:scheduler:\${AWS::Region}:\${AWS::AccountId}:schedule/default/${deployment.namePrefix}-*`,
        },
      });
  return resources;
}

export function buildStack(deployment: Deployment = DEFAULT_DEPLOYMENT) {
  const invoked = {
    backup: invokedHandlers('backup'),
    restore: invokedHandlers('restore'),
  } satisfies Record<MachineName, HandlerSpec[]>;
  checkMachines(invoked);
  const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
  return {
    functions: Object.fromEntries(HANDLERS.map((spec) => [spec.name, functionOfSpec(spec)])),
    resources: {
      Resources: Object.assign(
        {},
        ...HANDLERS.map((spec) => roleAndPolicy(spec, deployment)),
        scheduleResources(deployment),
      ) as Record<string, Cfn>,
    },
    keyPrincipals: [...HANDLERS.map((spec) => getAtt(roleOf(spec))), getAtt(BACKUP_MACHINE_ROLE)],
    invoke: {
      backup: invoked.backup.map((spec) => getAtt(functionOf(spec))),
      restore: invoked.restore.map((spec) => getAtt(functionOf(spec))),
    },
    dependsOn: {
      backup: [...invoked.backup.map(policyOf), ...BACKUP_MACHINE_POLICIES],
      restore: invoked.restore.map(policyOf),
    },
  };
}
