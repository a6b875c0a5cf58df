import { RestoreTriggerItem } from '../schemas/restore.js';
import { taskHandler } from '../src/lambda/task-handler.js';
import { restoreTriggerGroup } from '../src/restore/steps.js';

/** Re-wires one group of triggers (those sharing a source) to the restored functions. */
export const handler = taskHandler(RestoreTriggerItem, 'restore trigger group', (item, context) =>
  restoreTriggerGroup(item, context.remainingMs),
);
