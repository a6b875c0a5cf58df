import type { ResourceKind } from '../types.js';
import { backupRole } from './backup.js';
import { discoverRoles, tagsOfRole, wiredRoles } from './discover.js';
import { restoreRole } from './restore.js';
import { iamRoleStack } from './stack.js';
import { teardownRole } from './teardown.js';

/**
 * The functions' execution roles: trust policy, inline policies, managed policy attachments,
 * permissions boundary and tags (backup.ts, restore.ts; stored format in format.ts). Restored first:
 * every function names its role. `--role-map` wins over a restored role.
 */
export const iamRole: ResourceKind = {
  stack: iamRoleStack,
  kind: 'iam-role',
  nameKind: 'iam-role',
  restoreTier: 'roles',
  // arn:aws:iam::ACCOUNT:role/PATH/NAME — the name is the last segment.
  arnNames: [{ nameKind: 'iam-role', service: 'iam', resource: /^role\/(?:[^:]*\/)?([^/:]+)/ }],
  discover: (_region, { patterns }) => discoverRoles(patterns),
  wiredTo: wiredRoles,
  backup: backupRole,
  restore: restoreRole,
  tags: (_region, name) => tagsOfRole(name),
  teardown: (_region, name) => teardownRole(name),
};

export default iamRole;
