import type { Change } from '../../schemas/restore.js';
import type { RestoreContext, RestoreResult } from './context.js';

/** A result made of changes and notes. */
export const resultOf = (changes: Change[], notes: string[] = []): RestoreResult => ({ changes, notes });

/** Under a name suffix, a trigger on a source this restore does not re-create is left alone. */
export const sharedSourceSkip = (
  context: RestoreContext,
  restored: boolean,
  why: string,
): string | undefined =>
  context.options.nameSuffix && !restored
    ? `the source is not part of this scratch restore (suffix ${context.options.nameSuffix}): ${why}`
    : undefined;
