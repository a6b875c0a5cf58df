import { keepingEnding } from '../../reconcile/arn-map.js';
import type { ResourceKind } from '../types.js';
import { backupQueue } from './backup.js';
import { discoverQueues, tagsOfQueue, wiredQueues } from './discover.js';
import { restoreQueue } from './restore.js';
import { sqsQueueStack } from './stack.js';
import { teardownQueue } from './teardown.js';

/**
 * SQS queues the functions read or dead-letter into, with their own dead-letter queues: attributes,
 * policy, redrive, encryption and tags (backup.ts, restore.ts; stored format in format.ts). Messages
 * are transient and not copied: a restored queue is empty.
 */
export const sqsQueue: ResourceKind = {
  stack: sqsQueueStack,
  kind: 'sqs-queue',
  nameKind: 'sqs-queue',
  restoreTier: 'queues',
  // arn:aws:sqs:REGION:ACCOUNT:NAME — a FIFO queue keeps `.fifo` last when renamed.
  arnNames: [{ nameKind: 'sqs-queue', service: 'sqs', resource: /^([^:/]+)/, keepEnding: /\.fifo$/ }],
  discover: (region, { patterns }) => discoverQueues(region, patterns),
  wiredTo: wiredQueues,
  backup: backupQueue,
  restore: restoreQueue,
  tags: tagsOfQueue,
  // The cleanup names the copy with the suffix last; a FIFO copy has it before `.fifo`.
  teardown: (region, name, { source }) =>
    teardownQueue(region, source ? keepingEnding(source, name, /\.fifo$/) : name),
};

export default sqsQueue;
