import { ApiGatewayV2Client, GetApiCommand, GetApisCommand } from '@aws-sdk/client-apigatewayv2';
import { client } from '../../aws/clients.js';
import { paginate } from '../../aws/paginate.js';
import { matchesAny } from '../../glob.js';
import type { Wiring } from '../types.js';

/**
 * Which HTTP and WebSocket APIs a run backs up (items are named by API id): those whose id or name
 * the run's globs match, and those allowed to invoke the region's functions (the execute-api
 * SourceArn of their invoke permissions).
 */

const apis = (region: string) =>
  paginate(async (NextToken) => {
    const page = await client(ApiGatewayV2Client, region).send(new GetApisCommand({ NextToken }));
    return { items: page.Items, next: page.NextToken };
  });

export async function discoverHttpApis(region: string, patterns: string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  return (await apis(region))
    .filter((api) => matchesAny(api.ApiId ?? '', patterns) || matchesAny(api.Name ?? '', patterns))
    .map((api) => api.ApiId as string);
}

export async function wiredHttpApis(wiring: Wiring): Promise<string[]> {
  const ids = new Set(
    (await wiring.invokerSources()).flatMap((arn) => {
      const [, , service, region, , resource = ''] = arn.split(':');
      return service === 'execute-api' && region === wiring.region ? [resource.split('/')[0] ?? ''] : [];
    }),
  );
  if (ids.size === 0) return [];
  return (await apis(wiring.region)).map((api) => api.ApiId as string).filter((id) => ids.has(id));
}

export async function tagsOfHttpApi(region: string, ApiId: string): Promise<Record<string, string>> {
  return (await client(ApiGatewayV2Client, region).send(new GetApiCommand({ ApiId }))).Tags ?? {};
}
