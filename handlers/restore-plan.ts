import { z } from 'zod';
import { taskHandler } from '../src/lambda/task-handler.js';
import { taskPrefix } from '../src/lambda/task-prefix.js';
import { planRestore } from '../src/restore/plan.js';

/**
 * Restore Plan: validates the input, reads the run's manifest, stores the plan; returns references
 * and the deployment's function-name prefix (the item Tasks invoke `<taskPrefix>-restore-<kind>`).
 */
export const handler = taskHandler(z.unknown(), 'restore input', async (input) => {
  const prefix = taskPrefix();
  return { ...(await planRestore(input)), taskPrefix: prefix };
});
