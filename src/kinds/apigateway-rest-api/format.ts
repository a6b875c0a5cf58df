import type {
  Authorizer,
  GatewayResponse,
  Model,
  RequestValidator,
  Stage,
} from '@aws-sdk/client-api-gateway';
import { z } from 'zod';
import { awsShape } from '../../../schemas/common.js';

/**
 * What a REST API's backup stores: config.json, the whole API as API Gateway describes it — its
 * settings, every resource with its methods (method responses, integration, integration responses),
 * authorizers, models, request validators, the gateway responses set on it, and its stages. Ids are
 * kept as recorded; a restore maps them. Custom domains, VPC links and client certificates are
 * recorded for the restore to report as manual.
 */

const Record = z.record(z.string(), z.unknown());

export const StoredMethod = z.looseObject({
  httpMethod: z.string(),
  authorizationType: z.string().optional(),
  authorizerId: z.string().optional(),
  requestValidatorId: z.string().optional(),
  methodResponses: z.record(z.string(), Record).optional(),
  methodIntegration: z
    .looseObject({
      type: z.string().optional(),
      uri: z.string().optional(),
      connectionType: z.string().optional(),
      connectionId: z.string().optional(),
      integrationResponses: z.record(z.string(), Record).optional(),
    })
    .optional(),
});
export type StoredMethod = z.infer<typeof StoredMethod>;

export const StoredResource = z.object({
  path: z.string().startsWith('/'),
  methods: z.record(z.string(), StoredMethod),
});
export type StoredResource = z.infer<typeof StoredResource>;

export const RestApiConfig = z.object({
  format: z.literal(1),
  region: z.string(),
  id: z.string().min(1),
  name: z.string(),
  /** The API's own settings (name, description, binary media types, compression, key source, endpoint types, policy parsed, tags). */
  settings: Record,
  resources: z.array(StoredResource),
  authorizers: z.array(awsShape<Authorizer>({ id: z.string(), name: z.string() })),
  models: z.array(awsShape<Model>({ name: z.string() })),
  requestValidators: z.array(awsShape<RequestValidator>({ id: z.string(), name: z.string() })),
  /** Only the responses set on the API (not API Gateway's defaults). */
  gatewayResponses: z.array(awsShape<GatewayResponse>({ responseType: z.string() })),
  stages: z.array(awsShape<Stage>({ stageName: z.string() })),
  /** Custom domain names whose base path mappings point at the API. */
  domains: z.array(z.object({ domainName: z.string(), basePath: z.string(), stage: z.string().optional() })),
});
export type RestApiConfig = z.infer<typeof RestApiConfig>;

/** API settings a restore sets and compares. */
export const API_SETTINGS = [
  'name',
  'description',
  'binaryMediaTypes',
  'minimumCompressionSize',
  'apiKeySource',
  'endpointConfiguration',
  'policy',
  'disableExecuteApiEndpoint',
  'tags',
] as const;

/** Method fields a restore sets and compares (ids of authorizers and validators are compared by name). */
export const METHOD_FIELDS = [
  'authorizationType',
  'apiKeyRequired',
  'operationName',
  'requestParameters',
  'requestModels',
  'authorizationScopes',
] as const;
export const INTEGRATION_FIELDS = [
  'type',
  'httpMethod',
  'uri',
  'connectionType',
  'credentials',
  'requestParameters',
  'requestTemplates',
  'passthroughBehavior',
  'contentHandling',
  'timeoutInMillis',
  'cacheNamespace',
  'cacheKeyParameters',
  'tlsConfig',
] as const;
export const INTEGRATION_RESPONSE_FIELDS = [
  'statusCode',
  'selectionPattern',
  'responseParameters',
  'responseTemplates',
  'contentHandling',
] as const;
export const METHOD_RESPONSE_FIELDS = ['statusCode', 'responseParameters', 'responseModels'] as const;
export const AUTHORIZER_FIELDS = [
  'name',
  'type',
  'providerARNs',
  'authType',
  'authorizerUri',
  'authorizerCredentials',
  'identitySource',
  'identityValidationExpression',
  'authorizerResultTtlInSeconds',
] as const;
export const STAGE_FIELDS = [
  'description',
  'variables',
  'methodSettings',
  'tracingEnabled',
  'cacheClusterEnabled',
  'cacheClusterSize',
  'accessLogSettings',
  'tags',
] as const;
