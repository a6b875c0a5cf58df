import {
  ApiGatewayV2Client,
  CreateApiCommand,
  type CreateApiCommandInput,
  GetApiCommand,
  GetApisCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateApiCommand,
} from '@aws-sdk/client-apigatewayv2';
import type { Change, FieldChange } from '../../../schemas/restore.js';
import type { ItemResult } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { ifExists } from '../../aws/errors.js';
import { paginate } from '../../aws/paginate.js';
import type { RestoreContext, RestoreResult } from '../../reconcile/context.js';
import { notPossible, pick, reconcile } from '../../reconcile/diff.js';
import { locateApi } from '../shared/api-by-id.js';
import { readDocument, tagChanges } from '../shared/document.js';
import { type Build, putAuthorizer, putIntegration, putModel, putRoute, putStage } from './build.js';
import { readHttpApi } from './capture.js';
import { API_SETTINGS, HttpApiConfig } from './format.js';
import { integrationKey, shapeOf } from './shape.js';

/**
 * Restores a whole HTTP or WebSocket API from config.json. Found in the target by its id (same name),
 * else by its name (exactly one); a missing one is created with its settings and CORS, authorizers,
 * models, integrations (ARNs mapped: Lambda integrations to the restored functions), routes pointing
 * at the new integrations and authorizers, and stages — each stage without AutoDeploy gets a new
 * deployment. Its new id is returned in `ids` for the mapper of later tiers, triggers and comparisons.
 * An existing API is compared, and with force its differing parts are brought back (what the backup
 * does not have stays). Custom domains, VPC links and client certificates are manual.
 */

const label = (name: string) => `http api ${name}`;

const locate = (gateway: ApiGatewayV2Client, config: HttpApiConfig, name: string) =>
  locateApi(config.id, name, {
    nameOf: async (ApiId) => (await ifExists(() => gateway.send(new GetApiCommand({ ApiId }))))?.Name,
    list: async () =>
      (
        await paginate(async (NextToken) => {
          const page = await gateway.send(new GetApisCommand({ NextToken }));
          return { items: page.Items, next: page.NextToken };
        })
      ).map((api) => ({ id: api.ApiId, name: api.Name })),
  });

const buildFor = (
  gateway: ApiGatewayV2Client,
  config: HttpApiConfig,
  ApiId: string,
  context: RestoreContext,
  notes: string[],
): Build => ({
  gateway,
  ApiId,
  config,
  mapper: context.mapper.derive({ apiIds: { ...context.mapper.spec.apiIds, [config.id]: ApiId } }),
  authorizers: new Map(),
  integrations: new Map(),
  notes,
});

async function createApi(
  gateway: ApiGatewayV2Client,
  config: HttpApiConfig,
  name: string,
  context: RestoreContext,
  notes: string[],
) {
  const settings = pick(config.settings, API_SETTINGS) as unknown as CreateApiCommandInput;
  const { ApiId } = await gateway.send(
    new CreateApiCommand({
      ...settings,
      Name: name,
      Tags: settings.Tags && Object.keys(settings.Tags).length ? settings.Tags : undefined,
    }),
  );
  const build = buildFor(gateway, config, ApiId as string, context, notes);
  for (const authorizer of config.authorizers) await putAuthorizer(build, authorizer);
  for (const model of config.models) await putModel(build, model);
  for (const integration of config.integrations) await putIntegration(build, integration);
  for (const route of config.routes) await putRoute(build, route);
  for (const stage of config.stages) await putStage(build, stage, false);
  return build.ApiId;
}

const sectionNames = (fields: FieldChange[], section: string) =>
  new Set(
    fields
      .filter((field) => field.field.startsWith(`${section}.`))
      .map((field) => field.field.slice(section.length + 1).split('.')[0]),
  );

/** Force: the differing parts brought back in dependency order; what the backup does not have stays. */
async function updateApi(
  gateway: ApiGatewayV2Client,
  config: HttpApiConfig,
  live: HttpApiConfig,
  fields: FieldChange[],
  context: RestoreContext,
  notes: string[],
) {
  const build = buildFor(gateway, config, live.id, context, notes);
  const settings = sectionNames(fields, 'Settings');
  const wanted = build.mapper.mapDeep(pick(config.settings, API_SETTINGS)) as Record<string, unknown>;
  const { Tags: tags, Name: _name, ProtocolType: _protocol, ...simple } = wanted;
  if ([...settings].some((field) => field !== 'Tags'))
    await gateway.send(new UpdateApiCommand({ ...(simple as object), ApiId: live.id }));
  if (settings.has('Tags')) {
    const ResourceArn = `arn:aws:apigateway:${context.targetRegion}::/apis/${live.id}`;
    const changes = tagChanges(
      (live.settings.Tags ?? {}) as Record<string, string>,
      (tags ?? {}) as Record<string, string>,
    );
    if (changes.remove.length)
      await gateway.send(new UntagResourceCommand({ ResourceArn, TagKeys: changes.remove }));
    if (Object.keys(changes.set).length)
      await gateway.send(new TagResourceCommand({ ResourceArn, Tags: changes.set }));
  }
  const liveAuthorizers = new Map(live.authorizers.map((entry) => [entry.Name, entry.AuthorizerId]));
  const authorizers = sectionNames(fields, 'Authorizers');
  for (const authorizer of config.authorizers) {
    const existing = liveAuthorizers.get(authorizer.Name);
    if (authorizers.has(authorizer.Name) || !existing) await putAuthorizer(build, authorizer, existing);
    else build.authorizers.set(authorizer.AuthorizerId as string, existing);
  }
  const liveModels = new Map(live.models.map((model) => [model.Name, model.ModelId]));
  const models = sectionNames(fields, 'Models');
  for (const model of config.models.filter((entry) => models.has(entry.Name)))
    await putModel(build, model, liveModels.get(model.Name));
  const liveIntegrations = new Map(
    live.integrations.map((entry) => [integrationKey(entry), entry.IntegrationId]),
  );
  const integrations = sectionNames(fields, 'Integrations');
  for (const integration of config.integrations) {
    const key = integrationKey(build.mapper.mapDeep(integration));
    const existing = liveIntegrations.get(key);
    if (integrations.has(key) || !existing) await putIntegration(build, integration, existing);
    else build.integrations.set(integration.IntegrationId as string, existing);
  }
  const liveRoutes = new Map(live.routes.map((route) => [route.RouteKey, route.RouteId]));
  const routes = sectionNames(fields, 'Routes');
  for (const route of config.routes.filter((entry) => routes.has(entry.RouteKey)))
    await putRoute(build, route, liveRoutes.get(route.RouteKey));
  const liveStages = new Set(live.stages.map((stage) => stage.StageName));
  const stages = sectionNames(fields, 'Stages');
  for (const stage of config.stages.filter(
    (entry) => stages.has(entry.StageName) || (fields.length && !entry.AutoDeploy),
  ))
    await putStage(build, stage, liveStages.has(stage.StageName));
}

export async function restoreHttpApi(item: ItemResult, context: RestoreContext): Promise<RestoreResult> {
  const config = await readDocument(context.store, item, HttpApiConfig);
  const gateway = client(ApiGatewayV2Client, context.targetRegion);
  const suffix = context.mapper.mapName('apigateway-http-api', config.id).slice(config.id.length);
  const name = `${config.name}${suffix}`;
  const notes: string[] = [];
  const manual: Change[] = config.domains.map((domain) =>
    notPossible(
      `custom domain ${domain.domainName}`,
      'manual',
      `map ${domain.key ? `key ${domain.key}` : 'the root'} to stage ${domain.stage ?? '(none)'} of ${label(name)} (with a certificate of ${context.targetRegion} in ACM)`,
    ),
  );
  const found = await locate(gateway, config, name);
  if ('ambiguous' in found)
    return {
      changes: [
        notPossible(
          label(name),
          'blocked',
          `${found.ambiguous} APIs are named ${name} in ${context.targetRegion}`,
        ),
      ],
      notes,
    };
  const live = found.id ? await readHttpApi(gateway, context.targetRegion, found.id) : undefined;
  const mapper = context.mapper.derive({
    apiIds: { ...context.mapper.spec.apiIds, [config.id]: found.id ?? config.id },
  });
  let ApiId = found.id;
  const change = await reconcile(context, {
    resource: label(name),
    current: live && shapeOf(live),
    desired: shapeOf(config, mapper, name),
    create: async () => {
      ApiId = await createApi(gateway, config, name, context, notes);
    },
    update: (fields) => updateApi(gateway, config, live as HttpApiConfig, fields, context, notes),
  });
  return {
    changes: [change, ...manual],
    notes,
    details: { apiId: ApiId, name },
    ...(ApiId ? { ids: { [config.id]: ApiId } } : {}),
  };
}
