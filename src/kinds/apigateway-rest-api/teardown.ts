import { APIGatewayClient, DeleteRestApiCommand, GetRestApiCommand } from '@aws-sdk/client-api-gateway';
import { client } from '../../aws/clients.js';
import { ifExists } from '../../aws/errors.js';
import { scratchApiDeletions } from '../shared/api-by-id.js';
import type { Deletion, TeardownContext } from '../types.js';

/** Drill cleanup of a scratch REST API (see scratchApiDeletions). */
export async function teardownRestApi(
  region: string,
  name: string,
  context: TeardownContext,
): Promise<Deletion[]> {
  const gateway = () => client(APIGatewayClient, region);
  return scratchApiDeletions('rest api', name, context, {
    nameOf: async (restApiId) =>
      (await ifExists(() => gateway().send(new GetRestApiCommand({ restApiId }))))?.name,
    remove: async (restApiId) => {
      await gateway().send(new DeleteRestApiCommand({ restApiId }));
    },
  });
}
