import type { Change } from '../../schemas/restore.js';
import type { TriggerRecord } from '../triggers/types.js';
import type { RestoreContext, RestoreResult } from './context.js';
import { notPossible } from './diff.js';
import { restoreStatements } from './permissions.js';

/** A result made of changes and notes. */
export const resultOf = (changes: Change[], notes: string[] = []): RestoreResult => ({ changes, notes });

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

/** Under a name suffix, a trigger on a source this restore does not re-create is left alone. */
export const sharedSourceSkip = (
  context: RestoreContext,
  restored: boolean,
  why: string,
): string | undefined =>
  context.options.nameSuffix && !restored
    ? `the source is not part of this scratch restore (suffix ${context.options.nameSuffix}): ${why}`
    : undefined;
