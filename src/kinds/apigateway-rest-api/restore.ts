import {
  APIGatewayClient,
  CreateRestApiCommand,
  type EndpointType,
  GetRestApiCommand,
  GetRestApisCommand,
  GetStagesCommand,
  type PatchOperation,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAuthorizerCommand,
  UpdateModelCommand,
  UpdateRestApiCommand,
} from '@aws-sdk/client-api-gateway';
import type { Change, FieldChange } from '../../../schemas/restore.js';
import type { ItemResult } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { ifExists } from '../../aws/errors.js';
import { paginate } from '../../aws/paginate.js';
import type { RestoreContext, RestoreResult } from '../../reconcile/context.js';
import { notPossible, reconcile } from '../../reconcile/diff.js';
import { locateApi } from '../shared/api-by-id.js';
import { readDocument, tagChanges } from '../shared/document.js';
import {
  type Build,
  createAuthorizers,
  createModels,
  createValidators,
  deployStages,
  ensurePath,
  putGatewayResponses,
  putMethod,
  putPolicy,
  resourcesByPath,
} from './build.js';
import { readRestApi } from './capture.js';
import { RestApiConfig } from './format.js';
import { type RestApiShape, shapeOf } from './shape.js';

/**
 * Restores a whole REST API from config.json. The API is found in the target by its id (same name),
 * else by its name (exactly one API of that name); a missing one is created: settings, models,
 * request validators, authorizers, every resource and method with its responses and integration
 * (ARNs mapped, Lambda integrations to the restored functions), gateway responses, then one
 * deployment with every recorded stage on it (variables, tracing, cache, method settings, access
 * logs, tags). Its new id is returned in `ids`: later tiers, triggers and comparisons map the API's
 * ARNs with it. An existing API is compared and, with force, its differing parts are brought back and
 * it is deployed again. Custom domains, VPC links, client certificates and web ACLs are manual.
 */

const api = (name: string) => `rest api ${name}`;

const locate = (gateway: APIGatewayClient, config: RestApiConfig, name: string) =>
  locateApi(config.id, name, {
    nameOf: async (restApiId) =>
      (await ifExists(() => gateway.send(new GetRestApiCommand({ restApiId }))))?.name,
    list: () =>
      paginate(async (position) => {
        const page = await gateway.send(new GetRestApisCommand({ position, limit: 500 }));
        return { items: page.items, next: page.position };
      }),
  });

function newBuild(
  gateway: APIGatewayClient,
  config: RestApiConfig,
  restApiId: string,
  context: RestoreContext,
  notes: string[],
): Build {
  return {
    gateway,
    restApiId,
    config,
    mapper: context.mapper.derive({ apiIds: { ...context.mapper.spec.apiIds, [config.id]: restApiId } }),
    authorizers: new Map(),
    validators: new Map(),
    notes,
  };
}

async function createApi(
  gateway: APIGatewayClient,
  config: RestApiConfig,
  name: string,
  context: RestoreContext,
  notes: string[],
) {
  const settings = config.settings as {
    description?: string;
    binaryMediaTypes?: string[];
    minimumCompressionSize?: number;
    apiKeySource?: 'HEADER' | 'AUTHORIZER';
    endpointConfiguration?: { types?: EndpointType[]; vpcEndpointIds?: string[] };
    disableExecuteApiEndpoint?: boolean;
    tags?: Record<string, string>;
  };
  if (settings.endpointConfiguration?.vpcEndpointIds?.length)
    notes.push(
      `${api(name)}: VPC endpoints ${settings.endpointConfiguration.vpcEndpointIds.join(', ')} are regional; associate the target's`,
    );
  const created = await gateway.send(
    new CreateRestApiCommand({
      name,
      description: settings.description,
      binaryMediaTypes: settings.binaryMediaTypes,
      minimumCompressionSize: settings.minimumCompressionSize,
      apiKeySource: settings.apiKeySource,
      endpointConfiguration: settings.endpointConfiguration?.types
        ? { types: settings.endpointConfiguration.types }
        : undefined,
      disableExecuteApiEndpoint: settings.disableExecuteApiEndpoint,
      tags: settings.tags && Object.keys(settings.tags).length ? settings.tags : undefined,
    }),
  );
  const build = newBuild(gateway, config, created.id as string, context, notes);
  if (config.settings.policy) await putPolicy(build);
  await createModels(build);
  await createValidators(build);
  await createAuthorizers(build);
  const resources = await resourcesByPath(gateway, build.restApiId);
  for (const resource of config.resources) {
    const resourceId = await ensurePath(build, resources, resource.path);
    for (const method of Object.values(resource.methods)) await putMethod(build, resourceId, method, false);
  }
  await putGatewayResponses(build);
  if (config.stages.length) await deployStages(build, new Set());
  return build.restApiId;
}

/** The names (second path segment) of the differing or missing parts of one section. */
const differing = (fields: FieldChange[], section: string) =>
  new Set(
    fields
      .filter((field) => field.field.startsWith(`${section}.`))
      .map((field) => field.field.slice(section.length + 1).split('.')[0] as string),
  );

/** Force: brings the differing parts back (extras the backup does not have stay), then deploys again. */
async function updateApi(
  gateway: APIGatewayClient,
  config: RestApiConfig,
  live: RestApiConfig,
  desired: RestApiShape,
  fields: FieldChange[],
  context: RestoreContext,
  notes: string[],
) {
  const build = newBuild(gateway, config, live.id, context, notes);
  const liveIds = (items: { id?: string; name?: string }[]) =>
    new Map(items.map((item) => [item.name, item.id]));
  const liveAuthorizers = liveIds(live.authorizers);
  const liveValidators = liveIds(live.requestValidators);
  for (const authorizer of config.authorizers)
    if (liveAuthorizers.has(authorizer.name))
      build.authorizers.set(authorizer.id as string, liveAuthorizers.get(authorizer.name) as string);
  for (const validator of config.requestValidators)
    if (liveValidators.has(validator.name))
      build.validators.set(validator.id as string, liveValidators.get(validator.name) as string);
  const settings = differing(fields, 'Settings');
  const replace = (path: string, value: unknown): PatchOperation => ({
    op: 'replace',
    path,
    value: value === undefined ? '' : String(value),
  });
  const simple = [
    'description',
    'minimumCompressionSize',
    'apiKeySource',
    'disableExecuteApiEndpoint',
  ].filter((key) => settings.has(key));
  if (simple.length)
    await gateway.send(
      new UpdateRestApiCommand({
        restApiId: live.id,
        patchOperations: simple.map((key) =>
          replace(`/${key}`, desired.Settings[key as keyof typeof desired.Settings]),
        ),
      }),
    );
  if (settings.has('policy')) await putPolicy(build);
  if (settings.has('tags')) {
    const resourceArn = `arn:aws:apigateway:${context.targetRegion}::/restapis/${live.id}`;
    const tags = tagChanges(
      (live.settings.tags ?? {}) as Record<string, string>,
      (config.settings.tags ?? {}) as Record<string, string>,
    );
    if (tags.remove.length)
      await gateway.send(new UntagResourceCommand({ resourceArn, tagKeys: tags.remove }));
    if (Object.keys(tags.set).length)
      await gateway.send(new TagResourceCommand({ resourceArn, tags: tags.set }));
  }
  if (settings.has('binaryMediaTypes') || settings.has('endpointConfiguration'))
    notes.push(
      `${api(live.name)}: binary media types and endpoint types are not changed in place; change them by hand`,
    );
  const models = differing(fields, 'Models');
  const liveModels = new Set(live.models.map((model) => model.name));
  await createModels(build, new Set([...models].filter((name) => !liveModels.has(name))));
  for (const name of [...models].filter((model) => liveModels.has(model))) {
    const model = desired.Models[name];
    await gateway.send(
      new UpdateModelCommand({
        restApiId: live.id,
        modelName: name,
        patchOperations: [replace('/schema', model?.schema), replace('/description', model?.description)],
      }),
    );
  }
  await createValidators(
    build,
    new Set([...differing(fields, 'RequestValidators')].filter((name) => !liveValidators.has(name))),
  );
  const authorizers = differing(fields, 'Authorizers');
  await createAuthorizers(build, new Set([...authorizers].filter((name) => !liveAuthorizers.has(name))));
  for (const name of [...authorizers].filter((entry) => liveAuthorizers.has(entry))) {
    const wanted = desired.Authorizers[name] as Record<string, unknown>;
    const scalar = [
      'authorizerUri',
      'authorizerCredentials',
      'identitySource',
      'identityValidationExpression',
      'authorizerResultTtlInSeconds',
    ];
    await gateway.send(
      new UpdateAuthorizerCommand({
        restApiId: live.id,
        authorizerId: liveAuthorizers.get(name),
        patchOperations: scalar
          .filter((key) => wanted[key] !== undefined)
          .map((key) => replace(`/${key}`, wanted[key])),
      }),
    );
  }
  const paths = differing(fields, 'Resources');
  const resources = await resourcesByPath(gateway, live.id);
  for (const resource of config.resources.filter((entry) => paths.has(entry.path))) {
    const liveMethods = live.resources.find((entry) => entry.path === resource.path)?.methods ?? {};
    const resourceId = await ensurePath(build, resources, resource.path);
    for (const [httpMethod, method] of Object.entries(resource.methods))
      if (
        JSON.stringify(desired.Resources[resource.path]?.[httpMethod]) !==
        JSON.stringify(shapeOf(live).Resources[resource.path]?.[httpMethod])
      )
        await putMethod(build, resourceId, method, httpMethod in liveMethods);
  }
  await putGatewayResponses(build, differing(fields, 'GatewayResponses'));
  const stages = await gateway.send(new GetStagesCommand({ restApiId: live.id }));
  await deployStages(build, new Set((stages.item ?? []).map((stage) => stage.stageName as string)));
}

export async function restoreRestApi(item: ItemResult, context: RestoreContext): Promise<RestoreResult> {
  const config = await readDocument(context.store, item, RestApiConfig);
  const gateway = client(APIGatewayClient, context.targetRegion);
  const suffix = context.mapper.mapName('apigateway-rest-api', config.id).slice(config.id.length);
  const name = `${config.name}${suffix}`;
  const notes: string[] = [];
  const manual: Change[] = config.domains.map((domain) =>
    notPossible(
      `custom domain ${domain.domainName}`,
      'manual',
      `map base path ${domain.basePath} to stage ${domain.stage ?? '(none)'} of ${api(name)} (with a certificate of ${context.targetRegion} in ACM)`,
    ),
  );
  const found = await locate(gateway, config, name);
  if ('ambiguous' in found)
    return {
      changes: [
        notPossible(
          api(name),
          'blocked',
          `${found.ambiguous} REST APIs are named ${name} in ${context.targetRegion}`,
        ),
      ],
      notes,
    };
  const live = found.id ? await readRestApi(gateway, context.targetRegion, found.id) : undefined;
  const mapper = context.mapper.derive({
    apiIds: { ...context.mapper.spec.apiIds, [config.id]: found.id ?? config.id },
  });
  const desired = shapeOf(config, mapper, name);
  let restApiId = found.id;
  const change = await reconcile(context, {
    resource: api(name),
    current: live && shapeOf(live),
    desired,
    create: async () => {
      restApiId = await createApi(gateway, config, name, context, notes);
    },
    update: (fields) => updateApi(gateway, config, live as RestApiConfig, desired, fields, context, notes),
  });
  if (change.action === 'create' || change.action === 'update')
    notes.push(
      `${api(name)}: every stage serves one new deployment of the API as backed up (earlier deployments are history)`,
    );
  return {
    changes: [change, ...manual],
    notes,
    details: { restApiId, name },
    ...(restApiId ? { ids: { [config.id]: restApiId } } : {}),
  };
}
