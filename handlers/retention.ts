import { z } from 'zod';
import { RunId } from '../schemas/common.js';
import type { RunSummary } from '../src/backup/finalize.js';
import { retainRun } from '../src/backup/finalize.js';
import { taskHandler } from '../src/lambda/task-handler.js';
import type { PolicyOutcome } from '../src/policy/finalize-policy.js';

const RetentionInput = z.object({
  summary: z.looseObject({
    runId: RunId,
    store: z.string(),
    copies: z.array(z.looseObject({ status: z.enum(['copied', 'incomplete', 'failed']) })).optional(),
  }),
});

/** Retention: the run's policy applied to the store and its copies, on the one role that may delete. */
export const handler = taskHandler(RetentionInput, 'retention input', (input) =>
  retainRun(input as unknown as { summary: RunSummary & PolicyOutcome }),
);
