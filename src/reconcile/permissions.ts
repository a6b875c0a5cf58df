import {
  AddPermissionCommand,
  type AddPermissionCommandInput,
  LambdaClient,
  RemovePermissionCommand,
} from '@aws-sdk/client-lambda';
import type { Change } from '../../schemas/restore.js';
import { client } from '../aws/clients.js';
import { type PolicyStatement, policyStatements, sourceArnOf } from '../aws/lambda-policy.js';
import type { ArnMapper } from './arn-map.js';
import type { RestoreContext } from './context.js';
import { reconcile } from './diff.js';

const first = (value: string | string[]): string => [value].flat()[0] ?? '';

/** Function name and qualifier of a (mapped) function ARN in a statement's Resource. */
export function functionOfResource(resource: string): { name: string; qualifier?: string } {
  const [, , , , , , name = '', qualifier] = resource.split(':');
  return { name, qualifier };
}

/** The AddPermission call that re-creates a statement of a function's resource policy. */
export function addPermissionInput(statement: PolicyStatement): AddPermissionCommandInput {
  const { name, qualifier } = functionOfResource(first(statement.Resource));
  const principal = statement.Principal as { Service?: string; AWS?: string } | string;
  const strings = statement.Condition?.StringEquals ?? {};
  return {
    FunctionName: name,
    Qualifier: qualifier,
    StatementId: statement.Sid,
    Action: first(statement.Action),
    Principal: typeof principal === 'string' ? principal : (principal.Service ?? principal.AWS ?? '*'),
    SourceArn: sourceArnOf(statement),
    SourceAccount: strings['AWS:SourceAccount'],
    PrincipalOrgID: strings['aws:PrincipalOrgID'],
    FunctionUrlAuthType: strings[
      'lambda:FunctionUrlAuthType'
    ] as AddPermissionCommandInput['FunctionUrlAuthType'],
  };
}

const comparable = (statement: PolicyStatement) => ({
  Effect: statement.Effect,
  Principal: statement.Principal,
  Action: statement.Action,
  Resource: statement.Resource,
  Condition: statement.Condition ?? {},
});

/** The statements as they must be in the target: every ARN (Resource, SourceArn, account) mapped. */
export const mapStatements = (statements: PolicyStatement[], mapper: ArnMapper): PolicyStatement[] =>
  statements.map((statement) => {
    const mapped = mapper.mapDeep(statement);
    const account = mapped.Condition?.StringEquals?.['AWS:SourceAccount'];
    if (account === mapper.spec.sourceAccount && mapped.Condition?.StringEquals)
      mapped.Condition.StringEquals['AWS:SourceAccount'] = mapper.spec.targetAccount;
    return mapped;
  });

/**
 * Re-creates resource-policy statements (AddPermission per statement, per qualifier), comparing each
 * with the statement of the same Sid on the same function or qualifier first.
 */
export async function restoreStatements(
  context: RestoreContext,
  statements: PolicyStatement[],
): Promise<Change[]> {
  const lambda = client(LambdaClient, context.targetRegion);
  const desired = mapStatements(statements, context.mapper);
  const existing = new Map<string, Promise<PolicyStatement[]>>();
  const changes: Change[] = [];
  for (const statement of desired) {
    const resource = first(statement.Resource);
    const { name, qualifier } = functionOfResource(resource);
    if (!existing.has(resource))
      existing.set(resource, policyStatements(context.targetRegion, name, qualifier));
    const current = (await existing.get(resource))?.find(
      (candidate) => candidate.Sid === statement.Sid && first(candidate.Resource) === resource,
    );
    const input = addPermissionInput(statement);
    changes.push(
      await reconcile(context, {
        resource: `permission ${statement.Sid} on ${qualifier ? `${name}:${qualifier}` : name}`,
        current: current && comparable(current),
        desired: comparable(statement),
        create: async () => {
          await lambda.send(new AddPermissionCommand(input));
        },
        update: async () => {
          await lambda.send(
            new RemovePermissionCommand({
              FunctionName: name,
              Qualifier: qualifier,
              StatementId: statement.Sid,
            }),
          );
          await lambda.send(new AddPermissionCommand(input));
        },
      }),
    );
  }
  return changes;
}
