import { RestoreResourceItem } from '../schemas/restore.js';
import { taskHandler } from '../src/lambda/task-handler.js';
import { restoreResource } from '../src/restore/steps.js';

/** Restores one Lambda function (its own handler: its own least-privilege IAM role). */
export const handler = taskHandler(
  RestoreResourceItem.refine((item) => item.kind === 'lambda-function', {
    message: 'must be a lambda-function item',
    path: ['kind'],
  }),
  'restore item',
  (item, context) => restoreResource(item, context.remainingMs),
);
