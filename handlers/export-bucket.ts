import { backupStepHandler } from '../src/lambda/backup-step-handler.js';

export const handler = backupStepHandler('s3-bucket');
