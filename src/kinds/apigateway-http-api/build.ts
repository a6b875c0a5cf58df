import {
  type ApiGatewayV2Client,
  CreateAuthorizerCommand,
  type CreateAuthorizerCommandInput,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  type CreateIntegrationCommandInput,
  CreateModelCommand,
  CreateRouteCommand,
  type CreateRouteCommandInput,
  CreateStageCommand,
  type CreateStageCommandInput,
  UpdateAuthorizerCommand,
  UpdateIntegrationCommand,
  UpdateModelCommand,
  UpdateRouteCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-apigatewayv2';
import type { ArnMapper } from '../../reconcile/arn-map.js';
import { pick } from '../../reconcile/diff.js';
import {
  AUTHORIZER_FIELDS,
  type HttpApiConfig,
  INTEGRATION_FIELDS,
  MODEL_FIELDS,
  ROUTE_FIELDS,
  STAGE_FIELDS,
} from './format.js';

/**
 * The writes that re-create an HTTP API's parts, each given the ids already re-created (authorizers,
 * integrations) so that routes point at the new ones. `existing` ids (force on a live API) are updated
 * in place instead of created.
 */

export interface Build {
  gateway: ApiGatewayV2Client;
  ApiId: string;
  config: HttpApiConfig;
  mapper: ArnMapper;
  /** Recorded id → id in the target. */
  authorizers: Map<string, string>;
  integrations: Map<string, string>;
  notes: string[];
}

type Stored<K extends 'authorizers' | 'integrations' | 'routes' | 'models' | 'stages'> =
  HttpApiConfig[K][number];

export async function putAuthorizer(build: Build, authorizer: Stored<'authorizers'>, existing?: string) {
  const input = build.mapper.mapDeep(
    pick(authorizer, AUTHORIZER_FIELDS),
  ) as unknown as CreateAuthorizerCommandInput;
  const id = existing
    ? (
        await build.gateway.send(
          new UpdateAuthorizerCommand({ ...input, ApiId: build.ApiId, AuthorizerId: existing }),
        )
      ).AuthorizerId
    : (await build.gateway.send(new CreateAuthorizerCommand({ ...input, ApiId: build.ApiId }))).AuthorizerId;
  build.authorizers.set(authorizer.AuthorizerId as string, id ?? existing ?? '');
}

export async function putIntegration(build: Build, integration: Stored<'integrations'>, existing?: string) {
  if (integration.ConnectionType === 'VPC_LINK')
    build.notes.push(
      `integration ${integration.IntegrationUri ?? integration.IntegrationId} uses VPC link ${integration.ConnectionId}: VPC links are regional; create one and point the integration at it`,
    );
  const input = {
    ...(build.mapper.mapDeep(
      pick(integration, INTEGRATION_FIELDS),
    ) as unknown as CreateIntegrationCommandInput),
    ConnectionId: integration.ConnectionType === 'VPC_LINK' ? integration.ConnectionId : undefined,
    ApiId: build.ApiId,
  };
  const id = existing
    ? (await build.gateway.send(new UpdateIntegrationCommand({ ...input, IntegrationId: existing })))
        .IntegrationId
    : (await build.gateway.send(new CreateIntegrationCommand(input))).IntegrationId;
  build.integrations.set(integration.IntegrationId as string, id ?? existing ?? '');
}

export async function putRoute(build: Build, route: Stored<'routes'>, existing?: string) {
  const target = route.Target?.replace(/^integrations\//, '');
  const input = {
    ...(pick(route, ROUTE_FIELDS) as unknown as CreateRouteCommandInput),
    ApiId: build.ApiId,
    Target: target ? `integrations/${build.integrations.get(target) ?? target}` : undefined,
    AuthorizerId: route.AuthorizerId ? build.authorizers.get(route.AuthorizerId) : undefined,
  };
  if (existing) await build.gateway.send(new UpdateRouteCommand({ ...input, RouteId: existing }));
  else await build.gateway.send(new CreateRouteCommand(input));
}

export async function putModel(build: Build, model: Stored<'models'>, existing?: string) {
  const input = { ...(pick(model, MODEL_FIELDS) as { Name: string; Schema: string }), ApiId: build.ApiId };
  if (existing) await build.gateway.send(new UpdateModelCommand({ ...input, ModelId: existing }));
  else await build.gateway.send(new CreateModelCommand(input));
}

/** A stage (created, or updated when it exists); one without AutoDeploy then gets a new deployment. */
export async function putStage(build: Build, stage: Stored<'stages'>, exists: boolean) {
  const input = {
    ...(build.mapper.mapDeep(pick(stage, STAGE_FIELDS)) as unknown as CreateStageCommandInput),
    ApiId: build.ApiId,
    StageName: stage.StageName,
  };
  if (stage.ClientCertificateId)
    build.notes.push(
      `stage ${stage.StageName}: client certificate ${stage.ClientCertificateId} is not restored; set one again`,
    );
  if (exists) {
    const { Tags: _tags, ...update } = input;
    await build.gateway.send(new UpdateStageCommand(update));
  } else await build.gateway.send(new CreateStageCommand(input));
  if (!stage.AutoDeploy)
    await build.gateway.send(
      new CreateDeploymentCommand({
        ApiId: build.ApiId,
        StageName: stage.StageName,
        Description: 'triggervault restore',
      }),
    );
}
