import { loadStateMachine } from '../src/local/state-machine.js';
import { type Cfn, logicalName, resolveTokens } from './cfn.js';
import { HANDLERS, type HandlerSpec, type MachineName } from './handlers.js';
import { lambdaTrust, ownLogs } from './permissions.js';

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
 */

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
function roleAndPolicy(spec: HandlerSpec): Record<string, Cfn> {
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
          Statement: resolveTokens([ownLogs(logGroupOf(spec)), ...spec.permissions]),
        },
      },
    },
  };
}

export function buildStack() {
  const invoked = {
    backup: invokedHandlers('backup'),
    restore: invokedHandlers('restore'),
  } satisfies Record<MachineName, HandlerSpec[]>;
  checkMachines(invoked);
  const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
  return {
    functions: Object.fromEntries(HANDLERS.map((spec) => [spec.name, functionOfSpec(spec)])),
    resources: { Resources: Object.assign({}, ...HANDLERS.map(roleAndPolicy)) as Record<string, Cfn> },
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
