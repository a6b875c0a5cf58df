import { APIGatewayClient, GetRestApiCommand, GetRestApisCommand } from '@aws-sdk/client-api-gateway';
import { client } from '../../aws/clients.js';
import { paginate } from '../../aws/paginate.js';
import { matchesAny } from '../../glob.js';
import type { Wiring } from '../types.js';

/**
 * Which REST APIs a run backs up (an item is named by the API's id: names need not be unique): those
 * whose id or name the run's globs match, and those allowed to invoke the region's functions (the
 * execute-api SourceArn of their invoke permissions: integrations and authorizers).
 */

const restApis = async (region: string) =>
  paginate(async (position) => {
    const page = await client(APIGatewayClient, region).send(
      new GetRestApisCommand({ position, limit: 500 }),
    );
    return { items: page.items, next: page.position };
  });

export async function discoverRestApis(region: string, patterns: string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  return (await restApis(region))
    .filter((api) => matchesAny(api.id ?? '', patterns) || matchesAny(api.name ?? '', patterns))
    .map((api) => api.id as string);
}

/** The ids of the APIs named by execute-api SourceArns of the region (`arn:aws:execute-api:REGION:ACCOUNT:ID/…`). */
export async function apiIdsInvoking(wiring: Wiring): Promise<string[]> {
  const ids = (await wiring.invokerSources()).flatMap((arn) => {
    const [, , service, region, , resource = ''] = arn.split(':');
    return service === 'execute-api' && region === wiring.region ? [resource.split('/')[0] ?? ''] : [];
  });
  return [...new Set(ids)].filter((id) => id && !/[*?]/.test(id));
}

export async function wiredRestApis(wiring: Wiring): Promise<string[]> {
  const ids = new Set(await apiIdsInvoking(wiring));
  if (ids.size === 0) return [];
  return (await restApis(wiring.region)).map((api) => api.id as string).filter((id) => ids.has(id));
}

export async function tagsOfRestApi(region: string, restApiId: string): Promise<Record<string, string>> {
  return (await client(APIGatewayClient, region).send(new GetRestApiCommand({ restApiId }))).tags ?? {};
}
