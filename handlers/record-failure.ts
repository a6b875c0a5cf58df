import { z } from 'zod';
import { WorkItem } from '../schemas/work-item.js';
import { recordFailure } from '../src/backup/step.js';
import { taskHandler } from '../src/lambda/task-handler.js';

/** Step Functions' Catch output: the item plus `error: {Error, Cause}`. */
const FailedItem = WorkItem.extend({ error: z.object({ Error: z.string(), Cause: z.string().optional() }) });

/** Cause is a JSON string with errorMessage when it comes from Lambda; plain text otherwise. */
function causeMessage(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
}

/** RecordFailure: one failed item becomes a failure record; the run goes on. */
export const handler = taskHandler(FailedItem, 'failed item', ({ error, ...item }) =>
  recordFailure(item, { name: error.Error, message: causeMessage(error.Cause).slice(0, 2000) }),
);
