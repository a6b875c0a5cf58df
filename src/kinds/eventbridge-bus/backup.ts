import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { WorkItem } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { NotFoundError } from '../../errors.js';
import { backupDocument } from '../shared/document.js';
import type { BackupContext, BackupStep } from '../types.js';
import { readBus } from './buses.js';
import { BusConfig } from './format.js';

/** Backs up one custom bus: settings, policy, tags and its archives' settings. */
export async function backupBus(item: WorkItem, context: BackupContext): Promise<BackupStep> {
  const bus = await readBus(client(EventBridgeClient, item.region), item.region, item.name);
  if (!bus) throw new NotFoundError(`event bus ${item.name} does not exist in ${item.region}`);
  return backupDocument(item, context, BusConfig, bus, { summary: { archives: bus.archives.length } });
}
