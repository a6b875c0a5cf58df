import { RestoreResourceItem } from '../schemas/restore.js';
import { taskHandler } from '../src/lambda/task-handler.js';
import { restoreResource } from '../src/restore/steps.js';

/** Restores one event source (table, bucket, stream) through its kind's `restore`; long restores loop with a cursor. */
export const handler = taskHandler(RestoreResourceItem, 'restore item', (item, context) =>
  restoreResource(item, context.remainingMs),
);
