import { backupStepHandler } from '../src/lambda/backup-step-handler.js';

export const handler = backupStepHandler('kinesis-stream');
