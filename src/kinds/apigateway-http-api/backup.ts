import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import type { WorkItem } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { NotFoundError } from '../../errors.js';
import { backupDocument } from '../shared/document.js';
import type { BackupContext, BackupStep } from '../types.js';
import { readHttpApi } from './capture.js';
import { HttpApiConfig } from './format.js';

/** Backs up one whole HTTP or WebSocket API (named by its id). */
export async function backupHttpApi(item: WorkItem, context: BackupContext): Promise<BackupStep> {
  const config = await readHttpApi(client(ApiGatewayV2Client, item.region), item.region, item.name);
  if (!config) throw new NotFoundError(`API ${item.name} does not exist in ${item.region}`);
  return backupDocument(item, context, HttpApiConfig, config, {
    summary: {
      name: config.name,
      routes: config.routes.length,
      stages: config.stages.map((stage) => stage.StageName),
    },
  });
}
