import type { KindName } from '../../schemas/common.js';
import { RestoreResourceItem } from '../../schemas/restore.js';
import { restoreResource } from '../restore/steps.js';
import { taskHandler } from './task-handler.js';

/** One handler per kind (its own least-privilege role): compares, then restores one resource of that kind; long restores loop with a cursor. */
export const restoreItemHandler = (kind: KindName) =>
  taskHandler(
    RestoreResourceItem.refine((item) => item.kind === kind, {
      message: `must be a ${kind} item`,
      path: ['kind'],
    }),
    `${kind} restore item`,
    (item, context) => restoreResource(item, context.remainingMs),
  );
