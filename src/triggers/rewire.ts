import type { Change } from '../../schemas/restore.js';
import type { RestoreContext, RestoreResult } from '../reconcile/context.js';
import { notPossible } from '../reconcile/diff.js';
import { restoreStatements } from '../reconcile/permissions.js';
import { resultOf } from '../reconcile/results.js';
import type { TriggerRecord } from './types.js';

/** A trigger that cannot be restored here: nothing is compared or changed, the reason is reported. */
export const cannotRestore = (
  record: TriggerRecord,
  action: 'blocked' | 'manual' | 'skipped',
  reason: string,
): RestoreResult => resultOf([notPossible(`${record.type} ${record.id}`, action, reason)]);

/**
 * The trigger's own invoke permissions first (a source such as S3 checks it can invoke before it
 * accepts the wiring), then the wiring itself.
 */
export async function withPermissions(
  record: TriggerRecord,
  context: RestoreContext,
  wire: () => Promise<Change[]>,
  notes: string[] = [],
): Promise<RestoreResult> {
  const permissions = await restoreStatements(context, record.permissions);
  return resultOf([...permissions, ...(await wire())], notes);
}
