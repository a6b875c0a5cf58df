import { SQSClient } from '@aws-sdk/client-sqs';
import type { WorkItem } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { NotFoundError } from '../../errors.js';
import { backupDocument } from '../shared/document.js';
import type { BackupContext, BackupStep } from '../types.js';
import { QueueConfig } from './format.js';
import { queueAttributes, queueTags, queueUrl } from './queues.js';

/** Backs up one queue's configuration (attributes, policy, redrive, encryption, tags); never its messages. */
export async function backupQueue(item: WorkItem, context: BackupContext): Promise<BackupStep> {
  const sqs = client(SQSClient, item.region);
  const url = await queueUrl(sqs, item.name);
  if (!url) throw new NotFoundError(`queue ${item.name} does not exist in ${item.region}`);
  const [attributes, tags] = await Promise.all([queueAttributes(sqs, url), queueTags(sqs, url)]);
  return backupDocument(
    item,
    context,
    QueueConfig,
    {
      format: 1,
      region: item.region,
      name: item.name,
      arn: attributes.QueueArn as string,
      attributes,
      tags,
    },
    { summary: { messages: 'not copied (transient)' } },
  );
}
