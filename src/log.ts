import { Logger } from '@aws-lambda-powertools/logger';

/** The one structured logger. Locally it stays quiet unless TRIGGERVAULT_LOG_LEVEL asks otherwise. */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'triggervault',
  logLevel: (process.env.TRIGGERVAULT_LOG_LEVEL ??
    (process.env.AWS_LAMBDA_FUNCTION_NAME ? 'INFO' : 'SILENT')) as
    | 'DEBUG'
    | 'INFO'
    | 'WARN'
    | 'ERROR'
    | 'SILENT',
});
