import { z } from 'zod';
import { planRun } from '../src/backup/plan.js';
import { taskHandler } from '../src/lambda/task-handler.js';
import { taskPrefix } from '../src/lambda/task-prefix.js';

/**
 * Plan: validates the run input (`{}` works) and resolves regions, kinds and the run id; hands the
 * deployment's function-name prefix to the item Tasks (they invoke `<taskPrefix>-backup-<kind>`).
 */
export const handler = taskHandler(z.unknown(), 'run input', async (input) => {
  const prefix = taskPrefix();
  return { ...(await planRun(input)), taskPrefix: prefix };
});
