import { ApiGatewayV2Client, DeleteApiCommand, GetApiCommand } from '@aws-sdk/client-apigatewayv2';
import { client } from '../../aws/clients.js';
import { ifExists } from '../../aws/errors.js';
import type { Deletion, TeardownContext } from '../types.js';

/** Drill cleanup of a scratch HTTP API: by the id the drill's restore gave it, only when its name carries the suffix. */
export async function teardownHttpApi(
  region: string,
  name: string,
  context: TeardownContext,
): Promise<Deletion[]> {
  const source = context.source ?? name;
  const suffix = name.slice(source.length);
  const ApiId = context.mapper?.spec.apiIds[source];
  if (!ApiId || ApiId === source || !suffix) return [];
  return [
    {
      resource: `http api ${ApiId}`,
      remove: async () => {
        const gateway = client(ApiGatewayV2Client, region);
        const found = await ifExists(() => gateway.send(new GetApiCommand({ ApiId })));
        if (!found?.Name?.endsWith(suffix)) return false;
        await gateway.send(new DeleteApiCommand({ ApiId }));
        return true;
      },
    },
  ];
}
