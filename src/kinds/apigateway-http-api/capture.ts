import {
  type ApiGatewayV2Client,
  GetApiCommand,
  GetApiMappingsCommand,
  GetAuthorizersCommand,
  GetDomainNamesCommand,
  GetIntegrationsCommand,
  GetModelsCommand,
  GetRoutesCommand,
  GetStagesCommand,
} from '@aws-sdk/client-apigatewayv2';
import { ifExists } from '../../aws/errors.js';
import { paginate } from '../../aws/paginate.js';
import { pick } from '../../reconcile/diff.js';
import { API_SETTINGS, type HttpApiConfig } from './format.js';

/** Reads a whole HTTP or WebSocket API (what config.json stores); a restore reads a live API the same way. */

const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const listed = <T>(read: (NextToken?: string) => Promise<{ Items?: T[]; NextToken?: string }>) =>
  paginate(async (token) => {
    const page = await read(token);
    return { items: page.Items, next: page.NextToken };
  });

async function domainsOf(gateway: ApiGatewayV2Client, ApiId: string): Promise<HttpApiConfig['domains']> {
  const found: HttpApiConfig['domains'] = [];
  for (const domain of await listed((NextToken) => gateway.send(new GetDomainNamesCommand({ NextToken })))) {
    const mappings = await listed((NextToken) =>
      gateway.send(new GetApiMappingsCommand({ DomainName: domain.DomainName, NextToken })),
    );
    for (const mapping of mappings.filter((entry) => entry.ApiId === ApiId))
      found.push({
        domainName: domain.DomainName as string,
        stage: mapping.Stage,
        key: mapping.ApiMappingKey,
      });
  }
  return found;
}

export async function readHttpApi(
  gateway: ApiGatewayV2Client,
  region: string,
  ApiId: string,
): Promise<HttpApiConfig | undefined> {
  const api = await ifExists(() => gateway.send(new GetApiCommand({ ApiId })));
  if (!api) return undefined;
  const [integrations, routes, authorizers, models, stages, domains] = await Promise.all([
    listed((NextToken) => gateway.send(new GetIntegrationsCommand({ ApiId, NextToken }))),
    listed((NextToken) => gateway.send(new GetRoutesCommand({ ApiId, NextToken }))),
    listed((NextToken) => gateway.send(new GetAuthorizersCommand({ ApiId, NextToken }))),
    listed((NextToken) => gateway.send(new GetModelsCommand({ ApiId, NextToken }))),
    listed((NextToken) => gateway.send(new GetStagesCommand({ ApiId, NextToken }))),
    domainsOf(gateway, ApiId),
  ]);
  return plain({
    format: 1 as const,
    region,
    id: ApiId,
    name: api.Name ?? '',
    settings: { ...pick(api, API_SETTINGS), Tags: api.Tags ?? {} },
    integrations: integrations as HttpApiConfig['integrations'],
    routes: routes as HttpApiConfig['routes'],
    authorizers: authorizers as HttpApiConfig['authorizers'],
    models: models as HttpApiConfig['models'],
    // Stages API Gateway manages itself (a quick-create API's) come back with the API.
    stages: stages.filter((stage) => !stage.ApiGatewayManaged) as HttpApiConfig['stages'],
    domains,
  });
}
