import { z } from 'zod';
import { RestoreRegionRef } from '../schemas/restore.js';
import { Caught } from '../src/aws/caught.js';
import { taskHandler } from '../src/lambda/task-handler.js';
import { recordRestoreFailure } from '../src/restore/steps.js';

const FailedItem = RestoreRegionRef.extend({
  kind: z.string().optional(),
  name: z.string().optional(),
  group: z.string().optional(),
  error: Caught,
});

/** The Catch path of a restore item: records it as failed, the restore goes on. */
export const handler = taskHandler(FailedItem, 'failed restore item', (item) => recordRestoreFailure(item));
