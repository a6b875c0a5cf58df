import { z } from 'zod';
import { RunId } from '../schemas/common.js';
import { finalizeRun } from '../src/backup/finalize.js';
import { taskHandler } from '../src/lambda/task-handler.js';

const FinalizeInput = z.object({
  runId: RunId,
  store: z.string(),
  verification: z.object({
    artifacts: z.number().int(),
    copies: z.number().int().optional(),
    damaged: z.array(z.object({ path: z.string(), problem: z.string() })),
  }),
});

/** Finalize: writes manifest.json last. */
export const handler = taskHandler(FinalizeInput, 'finalize input', finalizeRun);
