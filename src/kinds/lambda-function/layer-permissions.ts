import {
  AddLayerVersionPermissionCommand,
  GetLayerVersionPolicyCommand,
  LambdaClient,
  RemoveLayerVersionPermissionCommand,
} from '@aws-sdk/client-lambda';
import { z } from 'zod';
import type { Change } from '../../../schemas/restore.js';
import { client } from '../../aws/clients.js';
import { errorName, ifExists } from '../../aws/errors.js';
import type { ApplyMode } from '../../reconcile/diff.js';
import { diffFields } from '../../reconcile/diff.js';

/**
 * Who may use a layer version (other accounts, an organization, everyone): its resource policy,
 * captured with the layer (GetLayerVersionPolicy) as the AddLayerVersionPermission inputs that
 * re-create it, and restored with the layer version, compare first: a missing statement is added, one
 * that differs or that the backup does not have is reported and changed only with `force`.
 */

/** One statement as AddLayerVersionPermission takes it. */
export const LayerPermission = z.object({
  statementId: z.string().min(1),
  action: z.string().min(1),
  /** An account id, or `*` (everyone, or everyone in `organizationId`). */
  principal: z.string().min(1),
  organizationId: z.string().optional(),
});
export type LayerPermission = z.infer<typeof LayerPermission>;

const Statement = z.looseObject({
  Sid: z.string(),
  Action: z.union([z.string(), z.array(z.string())]),
  Principal: z.union([z.string(), z.looseObject({ AWS: z.union([z.string(), z.array(z.string())]) })]),
  Condition: z.looseObject({ StringEquals: z.record(z.string(), z.unknown()).optional() }).optional(),
  /** moto keeps AddLayerVersionPermission's OrganizationId as is; AWS writes a Condition. */
  OrganizationId: z.string().optional(),
});
const Policy = z.object({ Statement: z.array(Statement) });

const ROOT = /^arn:aws[a-z-]*:iam::(\d{12}):root$/;
const single = (value: string | string[]) => (Array.isArray(value) ? (value[0] ?? '') : value);

/** A statement as AddLayerVersionPermission's inputs (AWS writes accounts as their root ARN). */
function permissionOf(statement: z.infer<typeof Statement>): LayerPermission {
  const raw = single(typeof statement.Principal === 'string' ? statement.Principal : statement.Principal.AWS);
  const organizationId =
    statement.Condition?.StringEquals?.['aws:PrincipalOrgID'] ?? statement.OrganizationId ?? undefined;
  return {
    statementId: statement.Sid,
    action: single(statement.Action),
    principal: ROOT.exec(raw)?.[1] ?? raw,
    ...(typeof organizationId === 'string' ? { organizationId } : {}),
  };
}

const versionParts = (layerVersionArn: string) => {
  const at = layerVersionArn.lastIndexOf(':');
  return { LayerName: layerVersionArn.slice(0, at), VersionNumber: Number(layerVersionArn.slice(at + 1)) };
};

/**
 * The statements of a layer version's policy, sorted by id; [] when it has none. Undefined when it
 * cannot be read (another account's layer): the snapshot then says nothing about them.
 */
export async function readLayerPermissions(
  region: string,
  layerVersionArn: string,
): Promise<LayerPermission[] | undefined> {
  try {
    const found = await ifExists(() =>
      client(LambdaClient, region).send(new GetLayerVersionPolicyCommand(versionParts(layerVersionArn))),
    );
    if (!found?.Policy) return [];
    const policy = Policy.parse(JSON.parse(found.Policy));
    return policy.Statement.map(permissionOf).sort((a, b) => a.statementId.localeCompare(b.statementId));
  } catch (error) {
    if (errorName(error) === 'AccessDeniedException') return undefined;
    throw error;
  }
}

/**
 * Makes the policy of `layerVersionArn` (in `region`) hold `stored`, compare first. `created`: the
 * version was just published (or would be, in a dry run): every statement is to be created.
 */
export async function restoreLayerPermissions(
  region: string,
  layerVersionArn: string | undefined,
  label: string,
  stored: LayerPermission[],
  mode: ApplyMode & { created: boolean },
): Promise<Change[]> {
  const live =
    layerVersionArn && !mode.created ? ((await readLayerPermissions(region, layerVersionArn)) ?? []) : [];
  const lambda = client(LambdaClient, region);
  const add = async (permission: LayerPermission) =>
    lambda.send(
      new AddLayerVersionPermissionCommand({
        ...versionParts(layerVersionArn as string),
        StatementId: permission.statementId,
        Action: permission.action,
        Principal: permission.principal,
        OrganizationId: permission.organizationId,
      }),
    );
  const remove = async (statementId: string) =>
    lambda.send(
      new RemoveLayerVersionPermissionCommand({
        ...versionParts(layerVersionArn as string),
        StatementId: statementId,
      }),
    );
  const changes: Change[] = [];
  for (const permission of stored) {
    const resource = `layer permission ${label} ${permission.statementId}`;
    const current = live.find((statement) => statement.statementId === permission.statementId);
    if (!current) {
      if (mode.apply && layerVersionArn) await add(permission);
      changes.push({ resource, action: 'create', note: `${permission.action} for ${permission.principal}` });
      continue;
    }
    const fields = diffFields(current, permission);
    if (!fields.length) changes.push({ resource, action: 'unchanged' });
    else if (!mode.force) changes.push({ resource, action: 'differs', fields });
    else {
      if (mode.apply) {
        await remove(permission.statementId);
        await add(permission);
      }
      changes.push({ resource, action: 'update', fields });
    }
  }
  for (const extra of live.filter(
    (statement) => !stored.some((s) => s.statementId === statement.statementId),
  )) {
    const resource = `layer permission ${label} ${extra.statementId}`;
    if (!mode.force) {
      changes.push({ resource, action: 'differs', note: 'not in the backup: --force removes it' });
      continue;
    }
    if (mode.apply) await remove(extra.statementId);
    changes.push({ resource, action: 'update', note: 'not in the backup: removed' });
  }
  return changes;
}
