import { DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { client } from '../../aws/clients.js';
import type { Deletion } from '../types.js';
import { queueUrl } from './queues.js';

/** Drill cleanup of a scratch queue (and whatever messages reached it). */
export async function teardownQueue(region: string, name: string): Promise<Deletion[]> {
  return [
    {
      resource: `queue ${name}`,
      remove: async () => {
        const sqs = client(SQSClient, region);
        const url = await queueUrl(sqs, name);
        if (!url) return false;
        await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
        return true;
      },
    },
  ];
}
