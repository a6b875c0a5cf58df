import { WorkItem } from '../schemas/work-item.js';
import { Caught, caughtError } from '../src/aws/caught.js';
import { recordFailure } from '../src/backup/step.js';
import { taskHandler } from '../src/lambda/task-handler.js';

/** Step Functions' Catch output: the item plus `error: {Error, Cause}`. */
const FailedItem = WorkItem.extend({ error: Caught.required({ Error: true }) });

/** RecordFailure: one failed item becomes a failure record; the run goes on. */
export const handler = taskHandler(FailedItem, 'failed item', ({ error, ...item }) =>
  recordFailure(item, caughtError(error, 2000)),
);
