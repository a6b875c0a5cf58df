import { RestoreRegionRef } from '../schemas/restore.js';
import { taskHandler } from '../src/lambda/task-handler.js';
import { prepareRegion } from '../src/restore/steps.js';

/** Restore, per region: layer versions first, then the region's work items. */
export const handler = taskHandler(RestoreRegionRef, 'restore region', (ref, context) =>
  prepareRegion(ref, context.remainingMs),
);
