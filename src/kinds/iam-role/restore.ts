import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  IAMClient,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam';
import type { Change } from '../../../schemas/restore.js';
import type { ItemResult } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { ifExists } from '../../aws/errors.js';
import type { ArnMapper } from '../../reconcile/arn-map.js';
import type { RestoreContext, RestoreResult } from '../../reconcile/context.js';
import { notPossible, reconcile } from '../../reconcile/diff.js';
import { readDocument, tagChanges } from '../shared/document.js';
import { RoleConfig } from './format.js';
import { IAM_REGION, readRole } from './roles.js';

/**
 * Restores an execution role from config.json. `--role-map` wins: a mapped role is not restored (the
 * functions use the one it names). A missing role is created with its path, trust policy, description,
 * maximum session duration, permissions boundary and tags, then its inline policies are put and its
 * managed policies attached; an existing role is compared and changed only with force.
 *
 * Roles are global: their documents keep the regions they name (a cross-region restore in the same
 * account finds the role unchanged; what it grants in the target region is for --role-map or a
 * person to decide). Account ids and the names this restore renames (a drill's suffix) are mapped.
 * A customer managed policy missing from the target account cannot be attached: reported as manual.
 */

/** The mapper for role documents: accounts and suffixed names, never the region (roles are global). */
const documentMapper = (context: RestoreContext): ArnMapper =>
  context.mapper.derive({ targetRegion: context.mapper.spec.sourceRegion });

interface RoleShape {
  TrustPolicy: Record<string, unknown>;
  Description: string;
  MaxSessionDuration: number;
  PermissionsBoundary: string | null;
  InlinePolicies: Record<string, Record<string, unknown>>;
  ManagedPolicies: string[];
  Tags: Record<string, string>;
}

const shapeOf = (role: RoleConfig, mapper?: ArnMapper): RoleShape => {
  const map = <T>(value: T): T => (mapper ? mapper.mapDeep(value) : value);
  return {
    TrustPolicy: map(role.trustPolicy),
    Description: role.description ?? '',
    MaxSessionDuration: role.maxSessionDuration ?? 3600,
    PermissionsBoundary: map(role.permissionsBoundary),
    InlinePolicies: map(role.inlinePolicies),
    ManagedPolicies: map(role.managedPolicies).sort(),
    Tags: role.tags,
  };
};

/** Managed policies of the target account that do not exist (AWS managed ones always do). */
async function missingPolicies(iam: IAMClient, arns: string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const PolicyArn of arns.filter((arn) => arn.split(':')[4] !== 'aws'))
    if (!(await ifExists(() => iam.send(new GetPolicyCommand({ PolicyArn }))))) missing.push(PolicyArn);
  return missing;
}

async function createRole(iam: IAMClient, RoleName: string, path: string, desired: RoleShape) {
  const tags = Object.entries(desired.Tags).map(([Key, Value]) => ({ Key, Value }));
  await iam.send(
    new CreateRoleCommand({
      RoleName,
      Path: path,
      AssumeRolePolicyDocument: JSON.stringify(desired.TrustPolicy),
      Description: desired.Description || undefined,
      MaxSessionDuration: desired.MaxSessionDuration,
      PermissionsBoundary: desired.PermissionsBoundary ?? undefined,
      Tags: tags.length ? tags : undefined,
    }),
  );
  for (const [PolicyName, document] of Object.entries(desired.InlinePolicies))
    await iam.send(
      new PutRolePolicyCommand({ RoleName, PolicyName, PolicyDocument: JSON.stringify(document) }),
    );
  for (const PolicyArn of desired.ManagedPolicies)
    await iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn }));
}

async function updateRole(iam: IAMClient, RoleName: string, desired: RoleShape, current: RoleShape) {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(current.TrustPolicy, desired.TrustPolicy))
    await iam.send(
      new UpdateAssumeRolePolicyCommand({ RoleName, PolicyDocument: JSON.stringify(desired.TrustPolicy) }),
    );
  if (
    current.Description !== desired.Description ||
    current.MaxSessionDuration !== desired.MaxSessionDuration
  )
    await iam.send(
      new UpdateRoleCommand({
        RoleName,
        Description: desired.Description,
        MaxSessionDuration: desired.MaxSessionDuration,
      }),
    );
  if (current.PermissionsBoundary !== desired.PermissionsBoundary) {
    if (desired.PermissionsBoundary)
      await iam.send(
        new PutRolePermissionsBoundaryCommand({ RoleName, PermissionsBoundary: desired.PermissionsBoundary }),
      );
    else await iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName }));
  }
  for (const [PolicyName, document] of Object.entries(desired.InlinePolicies))
    if (!same(current.InlinePolicies[PolicyName], document))
      await iam.send(
        new PutRolePolicyCommand({ RoleName, PolicyName, PolicyDocument: JSON.stringify(document) }),
      );
  for (const PolicyName of Object.keys(current.InlinePolicies).filter(
    (name) => !(name in desired.InlinePolicies),
  ))
    await iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName }));
  for (const PolicyArn of desired.ManagedPolicies.filter((arn) => !current.ManagedPolicies.includes(arn)))
    await iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn }));
  for (const PolicyArn of current.ManagedPolicies.filter((arn) => !desired.ManagedPolicies.includes(arn)))
    await iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn }));
  const tags = tagChanges(current.Tags, desired.Tags);
  if (tags.remove.length) await iam.send(new UntagRoleCommand({ RoleName, TagKeys: tags.remove }));
  const set = Object.entries(tags.set).map(([Key, Value]) => ({ Key, Value }));
  if (set.length) await iam.send(new TagRoleCommand({ RoleName, Tags: set }));
}

export async function restoreRole(item: ItemResult, context: RestoreContext): Promise<RestoreResult> {
  const role = await readDocument(context.store, item, RoleConfig);
  const resource = `role ${role.name}`;
  const mapped = context.mapper.spec.roles[role.arn];
  if (mapped)
    return { changes: [notPossible(resource, 'skipped', `--role-map maps it to ${mapped}`)], notes: [] };
  if (role.path.startsWith('/aws-service-role/'))
    return {
      changes: [notPossible(resource, 'manual', 'a service-linked role: its service creates it when needed')],
      notes: [],
    };
  const name = context.mapper.mapName('iam-role', role.name);
  const iam = client(IAMClient, IAM_REGION);
  const desired = shapeOf(role, documentMapper(context));
  const live = await readRole(iam, name);
  const notes: string[] = [];
  if (context.sourceRegion !== context.targetRegion)
    notes.push(
      `role ${name}: roles are global; its policies keep the resources of ${context.sourceRegion} they name`,
    );
  const missing = await missingPolicies(iam, desired.ManagedPolicies);
  if (missing.length)
    return {
      changes: [
        notPossible(
          resource,
          'manual',
          `managed policies ${missing.join(', ')} do not exist in this account: create them, then restore again`,
        ),
      ],
      notes,
    };
  const change: Change = await reconcile(context, {
    resource: `role ${name}`,
    current: live && shapeOf(live),
    desired,
    create: () => createRole(iam, name, role.path, desired),
    update: () => updateRole(iam, name, desired, shapeOf(live as RoleConfig)),
  });
  return { changes: [change], notes, details: { role: name } };
}
