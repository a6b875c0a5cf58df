import { IAMClient } from '@aws-sdk/client-iam';
import type { WorkItem } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { NotFoundError } from '../../errors.js';
import { backupDocument } from '../shared/document.js';
import type { BackupContext, BackupStep } from '../types.js';
import { RoleConfig } from './format.js';
import { IAM_REGION, readRole } from './roles.js';

/** Backs up one role: trust policy, inline policies, managed attachments, permissions boundary, tags. */
export async function backupRole(item: WorkItem, context: BackupContext): Promise<BackupStep> {
  const role = await readRole(client(IAMClient, IAM_REGION), item.name);
  if (!role) throw new NotFoundError(`role ${item.name} does not exist`);
  return backupDocument(item, context, RoleConfig, role, {
    summary: {
      inlinePolicies: Object.keys(role.inlinePolicies).length,
      managedPolicies: role.managedPolicies.length,
    },
  });
}
