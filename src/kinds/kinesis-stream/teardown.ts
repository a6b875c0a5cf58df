import { DeleteStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { client } from '../../aws/clients.js';
import type { Deletion } from '../types.js';

/**
 * Drill cleanup of a scratch stream: one deletion, which also deregisters its enhanced fan-out
 * consumers. A stream that is not there is reported absent by the caller (not found).
 */
export async function teardownStream(region: string, StreamName: string): Promise<Deletion[]> {
  return [
    {
      resource: `stream ${StreamName}`,
      remove: async () => {
        await client(KinesisClient, region).send(
          new DeleteStreamCommand({ StreamName, EnforceConsumerDeletion: true }),
        );
        return true;
      },
    },
  ];
}
