import { z } from 'zod';
import { RestoreRef } from '../schemas/restore.js';
import { taskHandler } from '../src/lambda/task-handler.js';
import { reportRestore } from '../src/restore/report.js';

/** Restore Report: every item's outcome, counted; report.json in the store. */
export const handler = taskHandler(RestoreRef.extend({ dryRun: z.boolean() }), 'restore report', (ref) =>
  reportRestore(ref),
);
