import {
  type APIGatewayClient,
  GetAuthorizersCommand,
  GetBasePathMappingsCommand,
  GetDomainNamesCommand,
  GetGatewayResponsesCommand,
  GetMethodCommand,
  GetModelsCommand,
  GetRequestValidatorsCommand,
  GetResourcesCommand,
  GetRestApiCommand,
  GetStagesCommand,
} from '@aws-sdk/client-api-gateway';
import { ifExists } from '../../aws/errors.js';
import { paginate } from '../../aws/paginate.js';
import { mapLimit } from '../../concurrency.js';
import { pick } from '../../reconcile/diff.js';
import { API_SETTINGS, type RestApiConfig, type StoredMethod, type StoredResource } from './format.js';

/** Reads a whole REST API (what config.json stores); a restore reads a live API the same way to compare it. */

const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The API's resource policy, parsed: API Gateway answers it as JSON text with its quotes escaped. */
function policyOf(text: string | undefined): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(text.replace(/\\"/g, '"'));
  }
}

async function methodsOf(gateway: APIGatewayClient, restApiId: string): Promise<StoredResource[]> {
  const resources = await paginate(async (position) => {
    const page = await gateway.send(new GetResourcesCommand({ restApiId, position, limit: 500 }));
    return { items: page.items, next: page.position };
  });
  const read = await mapLimit(resources, 4, async (resource) => {
    const names = Object.keys(resource.resourceMethods ?? {}).sort();
    const methods: Record<string, StoredMethod> = {};
    for (const httpMethod of names) {
      const { $metadata: _metadata, ...method } = await gateway.send(
        new GetMethodCommand({ restApiId, resourceId: resource.id, httpMethod }),
      );
      methods[httpMethod] = plain({ ...method, httpMethod }) as StoredMethod;
    }
    return { path: resource.path as string, methods };
  });
  return read.sort((a, b) => a.path.localeCompare(b.path));
}

const listed = <T>(read: (position?: string) => Promise<{ items?: T[]; position?: string }>) =>
  paginate(async (position) => {
    const page = await read(position);
    return { items: page.items, next: page.position };
  });

/** Custom domain names whose base path mappings serve the API. */
async function domainsOf(gateway: APIGatewayClient, restApiId: string): Promise<RestApiConfig['domains']> {
  const domains = await listed((position) =>
    gateway.send(new GetDomainNamesCommand({ position, limit: 500 })),
  );
  const found: RestApiConfig['domains'] = [];
  for (const domain of domains) {
    const mappings = await listed((position) =>
      gateway.send(new GetBasePathMappingsCommand({ domainName: domain.domainName, position, limit: 500 })),
    );
    for (const mapping of mappings.filter((entry) => entry.restApiId === restApiId))
      found.push({
        domainName: domain.domainName as string,
        basePath: mapping.basePath ?? '(none)',
        stage: mapping.stage,
      });
  }
  return found;
}

/** The whole API, or undefined when there is no API with that id. */
export async function readRestApi(
  gateway: APIGatewayClient,
  region: string,
  restApiId: string,
): Promise<RestApiConfig | undefined> {
  const api = await ifExists(() => gateway.send(new GetRestApiCommand({ restApiId })));
  if (!api) return undefined;
  const [resources, authorizers, models, requestValidators, gatewayResponses, stages, domains] =
    await Promise.all([
      methodsOf(gateway, restApiId),
      listed((position) => gateway.send(new GetAuthorizersCommand({ restApiId, position, limit: 500 }))),
      listed((position) => gateway.send(new GetModelsCommand({ restApiId, position, limit: 500 }))),
      listed((position) =>
        gateway.send(new GetRequestValidatorsCommand({ restApiId, position, limit: 500 })),
      ),
      listed((position) => gateway.send(new GetGatewayResponsesCommand({ restApiId, position, limit: 500 }))),
      gateway.send(new GetStagesCommand({ restApiId })).then((answer) => answer.item ?? []),
      domainsOf(gateway, restApiId),
    ]);
  const settings = pick(api, API_SETTINGS);
  return plain({
    format: 1 as const,
    region,
    id: restApiId,
    name: api.name ?? '',
    settings: { ...settings, policy: policyOf(api.policy), tags: api.tags ?? {} },
    resources,
    authorizers: authorizers as RestApiConfig['authorizers'],
    models: models as RestApiConfig['models'],
    requestValidators: requestValidators as RestApiConfig['requestValidators'],
    gatewayResponses: gatewayResponses.filter(
      (response) => response.defaultResponse === false,
    ) as RestApiConfig['gatewayResponses'],
    stages: stages as RestApiConfig['stages'],
    domains,
  });
}
