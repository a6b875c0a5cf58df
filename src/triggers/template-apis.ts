import { type Expression, join, PSEUDO, ref, type TemplateBuilder } from '../reconcile/template.js';
import { invoked } from './template-sources.js';
import type { TriggerRecord } from './types.js';

/**
 * IaC export of API Gateway integrations. The APIs are sources: their ids are parameters (an API
 * re-created elsewhere has a new id), and so is a REST method's resource (its path must exist). The
 * template adds the method or the integration and its routes, and the invoke permissions with the
 * API's id in their source ARN. A REST API serves a new method only after a deployment of its stage:
 * that is left to the API's owner (noted). See reconcile/template.ts.
 */

/** The recorded execute-api source ARN with region, account and API id as template expressions. */
function executeApiArn(recorded: string, api: Expression): Expression {
  const resource = recorded.split(':').slice(5).join(':');
  const rest = resource.slice(resource.indexOf('/'));
  return join('arn:', PSEUDO.partition, ':execute-api:', PSEUDO.region, ':', PSEUDO.account, ':', api, rest);
}

function permissionsFor(record: TriggerRecord, builder: TemplateBuilder, api: Expression): void {
  for (const statement of record.permissions) {
    const resource = [statement.Resource].flat()[0] as string;
    const source =
      statement.Condition?.ArnLike?.['AWS:SourceArn'] ?? statement.Condition?.ArnEquals?.['AWS:SourceArn'];
    builder.permission(statement, builder.functionRef(resource) ?? invoked(record, builder), {
      sourceArn: source ? executeApiArn(source, api) : undefined,
    });
  }
}

/** The integration URI API Gateway calls a function with. */
const lambdaUri = (fn: Expression) =>
  join(
    'arn:',
    PSEUDO.partition,
    ':apigateway:',
    PSEUDO.region,
    ':lambda:path/2015-03-31/functions/',
    fn,
    '/invocations',
  );

interface RestConfig {
  restApiId: string;
  apiName?: string;
  resourceId: string;
  path: string;
  httpMethod: string;
  authorizationType?: string;
  authorizerId?: string;
  apiKeyRequired?: boolean;
  integration: {
    type: string;
    httpMethod?: string;
    credentials?: string;
    timeoutInMillis?: number;
    passthroughBehavior?: string;
    requestTemplates?: Record<string, string>;
  };
}

export function templateRestMethods(records: TriggerRecord[], builder: TemplateBuilder): void {
  for (const record of records) {
    const config = record.config as unknown as RestConfig;
    const apiName = config.apiName ?? config.restApiId;
    const api = builder.source(
      config.restApiId,
      `Id of REST API ${apiName} (recorded)`,
      `rest api ${apiName}`,
    );
    const resource = builder.source(
      config.resourceId,
      `Id of resource ${config.path} of REST API ${apiName} (recorded)`,
      `${apiName} ${config.path} resource`,
    );
    const { integration } = config;
    builder.resource(
      builder.logicalId('method', apiName, config.httpMethod, config.path),
      {
        Type: 'AWS::ApiGateway::Method',
        Properties: {
          RestApiId: api,
          ResourceId: resource,
          HttpMethod: config.httpMethod,
          AuthorizationType: config.authorizationType ?? 'NONE',
          AuthorizerId: config.authorizerId
            ? builder.source(
                config.authorizerId,
                `Authorizer of ${config.httpMethod} ${config.path}`,
                `${apiName} authorizer`,
              )
            : undefined,
          ApiKeyRequired: config.apiKeyRequired,
          Integration: {
            Type: integration.type,
            IntegrationHttpMethod: integration.httpMethod ?? 'POST',
            Uri: lambdaUri(invoked(record, builder)),
            Credentials: integration.credentials ? builder.role(integration.credentials) : undefined,
            TimeoutInMillis: integration.timeoutInMillis,
            PassthroughBehavior: integration.passthroughBehavior,
            RequestTemplates: integration.requestTemplates,
          },
        },
      },
      { finalOnly: true },
    );
    permissionsFor(record, builder, api);
    builder.note(
      `REST API ${apiName}: deploy its stage after the stack (a new method is served only after a deployment)`,
    );
  }
}

interface HttpConfig {
  ApiId: string;
  Name?: string;
  IntegrationType: string;
  IntegrationMethod?: string;
  PayloadFormatVersion?: string;
  TimeoutInMillis?: number;
  CredentialsArn?: string;
  Routes: { RouteKey: string; AuthorizationType?: string; AuthorizerId?: string }[];
}

export function templateHttpIntegrations(records: TriggerRecord[], builder: TemplateBuilder): void {
  for (const record of records) {
    const config = record.config as unknown as HttpConfig;
    const apiName = config.Name ?? config.ApiId;
    const api = builder.source(config.ApiId, `Id of HTTP API ${apiName} (recorded)`, `http api ${apiName}`);
    const integration = builder.logicalId('integration', apiName, String(record.target.split(':')[6]));
    builder.resource(
      integration,
      {
        Type: 'AWS::ApiGatewayV2::Integration',
        Properties: {
          ApiId: api,
          IntegrationType: config.IntegrationType,
          IntegrationUri: invoked(record, builder),
          IntegrationMethod: config.IntegrationMethod,
          PayloadFormatVersion: config.PayloadFormatVersion,
          TimeoutInMillis: config.TimeoutInMillis,
          CredentialsArn: config.CredentialsArn ? builder.role(config.CredentialsArn) : undefined,
        },
      },
      { finalOnly: true },
    );
    for (const route of config.Routes)
      builder.resource(
        builder.logicalId('route', apiName, route.RouteKey),
        {
          Type: 'AWS::ApiGatewayV2::Route',
          Properties: {
            ApiId: api,
            RouteKey: route.RouteKey,
            Target: join('integrations/', ref(integration)),
            AuthorizationType: route.AuthorizationType,
            AuthorizerId: route.AuthorizerId
              ? builder.source(
                  route.AuthorizerId,
                  `Authorizer of route ${route.RouteKey}`,
                  `${apiName} authorizer`,
                )
              : undefined,
          },
        },
        { finalOnly: true },
      );
    permissionsFor(record, builder, api);
  }
}
