import { z } from 'zod';
import { RunId } from '../schemas/common.js';
import { finalizeRun } from '../src/backup/finalize.js';
import { taskHandler } from '../src/lambda/task-handler.js';

const FinalizeInput = z.object({
  runId: RunId,
  store: z.string(),
  /** Verify's last answer: its damage is read from the store. */
  verification: z.object({
    attempt: z.string().min(1),
    artifacts: z.number().int().nonnegative(),
    copies: z.number().int().nonnegative(),
    damaged: z.number().int().nonnegative(),
  }),
});

/** Finalize: writes manifest.json last. */
export const handler = taskHandler(FinalizeInput, 'finalize input', finalizeRun);
