import { APIGatewayClient, DeleteRestApiCommand, GetRestApiCommand } from '@aws-sdk/client-api-gateway';
import { client } from '../../aws/clients.js';
import { ifExists } from '../../aws/errors.js';
import type { Deletion, TeardownContext } from '../types.js';

/**
 * Drill cleanup of a scratch REST API: found by the id the drill's restore gave it (the ids it
 * recorded), and deleted only when its name carries the drill's suffix.
 */
export async function teardownRestApi(
  region: string,
  name: string,
  context: TeardownContext,
): Promise<Deletion[]> {
  const source = context.source ?? name;
  const suffix = name.slice(source.length);
  const restApiId = context.mapper?.spec.apiIds[source];
  if (!restApiId || restApiId === source || !suffix) return [];
  return [
    {
      resource: `rest api ${restApiId}`,
      remove: async () => {
        const gateway = client(APIGatewayClient, region);
        const found = await ifExists(() => gateway.send(new GetRestApiCommand({ restApiId })));
        if (!found?.name?.endsWith(suffix)) return false;
        await gateway.send(new DeleteRestApiCommand({ restApiId }));
        return true;
      },
    },
  ];
}
