import { RestoreRef } from '../schemas/restore.js';
import { taskHandler } from '../src/lambda/task-handler.js';
import { cleanupDrill } from '../src/restore/drill-cleanup.js';

/** Drill: deletes everything the drill created, in reverse dependency order; runs whatever came before. */
export const handler = taskHandler(RestoreRef, 'drill cleanup', (ref) => cleanupDrill(ref));
