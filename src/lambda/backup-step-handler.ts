import type { KindName } from '../../schemas/common.js';
import { WorkItem } from '../../schemas/work-item.js';
import { runBackupStep } from '../backup/step.js';
import { taskHandler } from './task-handler.js';

/** One handler per kind (least-privilege IAM per handler), all running the same checkpointed step. */
export const backupStepHandler = (kind: KindName) =>
  taskHandler(
    WorkItem.refine((item) => item.kind === kind, { message: `must be a ${kind} work item`, path: ['kind'] }),
    `${kind} work item`,
    (item, context) => runBackupStep(item, context.remainingMs),
  );
