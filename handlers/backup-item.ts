import { backupStepHandler } from '../src/lambda/backup-step-handler.js';
import { deployedKindHandler } from '../src/lambda/deployed-kind.js';

/** backup-<kind>: one checkpointed chunk of one work item of the kind this function serves. */
export const handlerFor = backupStepHandler;
export const handler = deployedKindHandler(handlerFor);
