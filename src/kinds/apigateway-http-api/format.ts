import type { Authorizer, Integration, Model, Route, Stage } from '@aws-sdk/client-apigatewayv2';
import { z } from 'zod';
import { awsShape } from '../../../schemas/common.js';

/**
 * What an HTTP (or WebSocket) API's backup stores: config.json, the whole API as API Gateway v2
 * describes it — settings with CORS, integrations, routes, authorizers, models and stages. Ids are
 * kept as recorded; a restore maps them. Custom domains (API mappings) and VPC links are recorded for
 * the restore to report as manual.
 */

export const HttpApiConfig = z.object({
  format: z.literal(1),
  region: z.string(),
  id: z.string().min(1),
  name: z.string(),
  settings: z.record(z.string(), z.unknown()),
  integrations: z.array(awsShape<Integration>({ IntegrationId: z.string() })),
  routes: z.array(awsShape<Route>({ RouteKey: z.string() })),
  authorizers: z.array(awsShape<Authorizer>({ AuthorizerId: z.string(), Name: z.string() })),
  models: z.array(awsShape<Model>({ Name: z.string() })),
  stages: z.array(awsShape<Stage>({ StageName: z.string() })),
  domains: z.array(
    z.object({ domainName: z.string(), stage: z.string().optional(), key: z.string().optional() }),
  ),
});
export type HttpApiConfig = z.infer<typeof HttpApiConfig>;

export const API_SETTINGS = [
  'Name',
  'ProtocolType',
  'Description',
  'RouteSelectionExpression',
  'ApiKeySelectionExpression',
  'CorsConfiguration',
  'DisableExecuteApiEndpoint',
  'DisableSchemaValidation',
  'Version',
  'Tags',
] as const;
export const INTEGRATION_FIELDS = [
  'IntegrationType',
  'IntegrationUri',
  'IntegrationMethod',
  'IntegrationSubtype',
  'PayloadFormatVersion',
  'TimeoutInMillis',
  'CredentialsArn',
  'ConnectionType',
  'Description',
  'PassthroughBehavior',
  'ContentHandlingStrategy',
  'RequestParameters',
  'RequestTemplates',
  'ResponseParameters',
  'TemplateSelectionExpression',
  'TlsConfig',
] as const;
export const ROUTE_FIELDS = [
  'RouteKey',
  'AuthorizationType',
  'AuthorizationScopes',
  'ApiKeyRequired',
  'OperationName',
  'RequestModels',
  'RequestParameters',
  'ModelSelectionExpression',
  'RouteResponseSelectionExpression',
] as const;
export const AUTHORIZER_FIELDS = [
  'Name',
  'AuthorizerType',
  'AuthorizerUri',
  'AuthorizerCredentialsArn',
  'AuthorizerPayloadFormatVersion',
  'AuthorizerResultTtlInSeconds',
  'EnableSimpleResponses',
  'IdentitySource',
  'IdentityValidationExpression',
  'JwtConfiguration',
] as const;
export const MODEL_FIELDS = ['Name', 'ContentType', 'Description', 'Schema'] as const;
export const STAGE_FIELDS = [
  'AutoDeploy',
  'Description',
  'StageVariables',
  'DefaultRouteSettings',
  'RouteSettings',
  'AccessLogSettings',
  'Tags',
] as const;
