import { parseOrThrow, TaskPrefix } from '../../schemas/common.js';

/** A local run (no deployment) names its functions `triggervault-local-<name>`. */
export const LOCAL_TASK_PREFIX = 'triggervault-local';

/**
 * The prefix of this deployment's function names (`<service>-<stage>`, set by the stack as
 * TRIGGERVAULT_TASK_PREFIX). Plan hands it to the item Tasks, which invoke `<prefix>-backup-<kind>`;
 * the local runner binds the same names in-process.
 */
export const taskPrefix = (): string =>
  parseOrThrow(
    TaskPrefix,
    process.env.TRIGGERVAULT_TASK_PREFIX || LOCAL_TASK_PREFIX,
    'TRIGGERVAULT_TASK_PREFIX',
  );
