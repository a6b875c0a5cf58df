import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { WorkItem } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { NotFoundError } from '../../errors.js';
import { backupDocument } from '../shared/document.js';
import type { BackupContext, BackupStep } from '../types.js';
import { readRestApi } from './capture.js';
import { RestApiConfig } from './format.js';

/** Backs up one whole REST API (named by its id). */
export async function backupRestApi(item: WorkItem, context: BackupContext): Promise<BackupStep> {
  const config = await readRestApi(client(APIGatewayClient, item.region), item.region, item.name);
  if (!config) throw new NotFoundError(`REST API ${item.name} does not exist in ${item.region}`);
  return backupDocument(item, context, RestApiConfig, config, {
    summary: {
      name: config.name,
      resources: config.resources.length,
      stages: config.stages.map((stage) => stage.stageName),
    },
  });
}
