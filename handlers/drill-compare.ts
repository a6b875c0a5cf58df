import { RestoreRef } from '../schemas/restore.js';
import { taskHandler } from '../src/lambda/task-handler.js';
import { compareDrill } from '../src/restore/drill.js';

/** Drill: compares the scratch copy the restore made with the backup (functions, triggers, data). */
export const handler = taskHandler(RestoreRef, 'drill compare', (ref, context) =>
  compareDrill(ref, context.remainingMs),
);
