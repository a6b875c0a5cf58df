import { z } from 'zod';
import { RestoreRef } from '../schemas/restore.js';
import { Caught } from '../src/aws/caught.js';
import { taskHandler } from '../src/lambda/task-handler.js';
import { finishDrill } from '../src/restore/drill.js';

/** The state at the end of a drill: references, and what each step returned or failed with. */
const DrillState = RestoreRef.extend({
  comparison: z.object({ passed: z.boolean(), mismatches: z.number() }).optional(),
  error: Caught.optional(),
  comparisonError: Caught.optional(),
  cleanup: z.object({ leftovers: z.number() }).optional(),
  cleanupError: Caught.optional(),
});

/** Drill: drill.json in the store and the result on SNS (TRIGGERVAULT_TOPIC_ARN). */
export const handler = taskHandler(DrillState, 'drill result', (state) => finishDrill(state));
