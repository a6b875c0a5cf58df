import {
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  IAMClient,
  paginateListInstanceProfilesForRole,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { client } from '../../aws/clients.js';
import { ifExists } from '../../aws/errors.js';
import type { Deletion } from '../types.js';
import { attachedPolicies, IAM_REGION, inlinePolicyNames } from './roles.js';

/** Drill cleanup of a scratch role: inline policies, attachments and instance profiles first (IAM requires it), then the role. */
async function deleteRole(RoleName: string): Promise<boolean> {
  const iam = client(IAMClient, IAM_REGION);
  const names = await ifExists(() => inlinePolicyNames(iam, RoleName));
  if (!names) return false;
  for (const PolicyName of names) await iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName }));
  for (const PolicyArn of await attachedPolicies(iam, RoleName))
    await iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn }));
  for await (const page of paginateListInstanceProfilesForRole({ client: iam }, { RoleName }))
    for (const profile of page.InstanceProfiles ?? [])
      await iam.send(
        new RemoveRoleFromInstanceProfileCommand({
          RoleName,
          InstanceProfileName: profile.InstanceProfileName,
        }),
      );
  await iam.send(new DeleteRoleCommand({ RoleName }));
  return true;
}

export async function teardownRole(name: string): Promise<Deletion[]> {
  return [{ resource: `role ${name}`, remove: () => deleteRole(name) }];
}
