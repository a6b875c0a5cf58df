import { ApiGatewayV2Client, DeleteApiCommand, GetApiCommand } from '@aws-sdk/client-apigatewayv2';
import { client } from '../../aws/clients.js';
import { ifExists } from '../../aws/errors.js';
import { scratchApiDeletions } from '../shared/api-by-id.js';
import type { Deletion, TeardownContext } from '../types.js';

/** Drill cleanup of a scratch HTTP API (see scratchApiDeletions). */
export async function teardownHttpApi(
  region: string,
  name: string,
  context: TeardownContext,
): Promise<Deletion[]> {
  const gateway = () => client(ApiGatewayV2Client, region);
  return scratchApiDeletions('http api', name, context, {
    nameOf: async (ApiId) => (await ifExists(() => gateway().send(new GetApiCommand({ ApiId }))))?.Name,
    remove: async (ApiId) => {
      await gateway().send(new DeleteApiCommand({ ApiId }));
    },
  });
}
