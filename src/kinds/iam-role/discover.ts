import { IAMClient } from '@aws-sdk/client-iam';
import { client } from '../../aws/clients.js';
import { selectNames } from '../../glob.js';
import type { Wiring } from '../types.js';
import { roleNameOf } from './format.js';
import { IAM_REGION, listRoleNames, roleTags } from './roles.js';

/**
 * Which roles a run backs up: the execution roles of the region's functions (their own account's),
 * and those the run's name globs select. Roles are global: a role used in several regions is an
 * item of each, and a restore of the second finds it unchanged.
 */

export async function discoverRoles(patterns: string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  return selectNames(await listRoleNames(client(IAMClient, IAM_REGION)), patterns);
}

export async function wiredRoles(wiring: Wiring): Promise<string[]> {
  const roles = (await wiring.functions()).flatMap((fn) => {
    const account = fn.FunctionArn?.split(':')[4];
    return fn.Role && fn.Role.split(':')[4] === account ? [roleNameOf(fn.Role)] : [];
  });
  return [...new Set(roles)];
}

export const tagsOfRole = (name: string) => roleTags(client(IAMClient, IAM_REGION), name);
