import { z } from 'zod';
import { RunId } from '../schemas/common.js';
import { verifyRun } from '../src/backup/finalize.js';
import { taskHandler } from '../src/lambda/task-handler.js';

/** Verify: re-reads every artifact of the run (sha256, size), within the run's bandwidth cap. */
export const handler = taskHandler(
  z.object({ runId: RunId, store: z.string(), maxBandwidth: z.number().positive().nullable().optional() }),
  'verify input',
  verifyRun,
);
