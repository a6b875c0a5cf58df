import {
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
  paginateListRoles,
  paginateListRoleTags,
} from '@aws-sdk/client-iam';
import { ifExists } from '../../aws/errors.js';
import { mapLimit } from '../../concurrency.js';
import { tagRecord } from '../shared/document.js';
import { policyDocument, type RoleConfig } from './format.js';

/** IAM reads shared by discovery, backup, restore and teardown. IAM is global: its client lives in us-east-1. */
export const IAM_REGION = 'us-east-1';

export async function listRoleNames(iam: IAMClient): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListRoles({ client: iam }, {}))
    for (const role of page.Roles ?? []) if (role.RoleName) names.push(role.RoleName);
  return names;
}

export async function roleTags(iam: IAMClient, RoleName: string): Promise<Record<string, string>> {
  const tags: { Key?: string; Value?: string }[] = [];
  for await (const page of paginateListRoleTags({ client: iam }, { RoleName }))
    tags.push(...(page.Tags ?? []));
  return tagRecord(tags);
}

export async function inlinePolicyNames(iam: IAMClient, RoleName: string): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListRolePolicies({ client: iam }, { RoleName }))
    names.push(...(page.PolicyNames ?? []));
  return names;
}

export async function attachedPolicies(iam: IAMClient, RoleName: string): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateListAttachedRolePolicies({ client: iam }, { RoleName }))
    for (const policy of page.AttachedPolicies ?? []) if (policy.PolicyArn) arns.push(policy.PolicyArn);
  return arns.sort();
}

/** The whole role as config.json records it, or undefined when there is no such role. */
export async function readRole(iam: IAMClient, RoleName: string): Promise<RoleConfig | undefined> {
  const role = (await ifExists(() => iam.send(new GetRoleCommand({ RoleName }))))?.Role;
  if (!role) return undefined;
  const [names, managedPolicies, tags] = await Promise.all([
    inlinePolicyNames(iam, RoleName),
    attachedPolicies(iam, RoleName),
    roleTags(iam, RoleName),
  ]);
  const documents = await mapLimit(names, 4, async (PolicyName) =>
    policyDocument((await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }))).PolicyDocument),
  );
  return {
    format: 1,
    name: RoleName,
    arn: role.Arn as string,
    path: role.Path ?? '/',
    ...(role.Description ? { description: role.Description } : {}),
    ...(role.MaxSessionDuration ? { maxSessionDuration: role.MaxSessionDuration } : {}),
    trustPolicy: policyDocument(role.AssumeRolePolicyDocument),
    inlinePolicies: Object.fromEntries(names.map((name, index) => [name, documents[index] ?? {}])),
    managedPolicies,
    permissionsBoundary: role.PermissionsBoundary?.PermissionsBoundaryArn ?? null,
    tags,
  };
}
