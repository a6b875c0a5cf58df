import type { KindStack } from '../types.js';

const apis = ['arn:${AWS::Partition}:apigateway:*::/apis', 'arn:${AWS::Partition}:apigateway:*::/apis/*'];
const domains = [
  'arn:${AWS::Partition}:apigateway:*::/domainnames',
  'arn:${AWS::Partition}:apigateway:*::/domainnames/*',
];

/** apigateway-http-api: the whole API (settings, CORS, integrations, routes, authorizers, models, stages). */
export const apiGatewayHttpApiStack: KindStack = {
  backup: {
    description: 'triggervault - back up one HTTP/WebSocket API (routes, integrations, authorizers, stages)',
    memorySize: 512,
    timeout: 900,
    statements: [
      { Sid: 'ReadHttpApis', Effect: 'Allow', Action: 'apigateway:GET', Resource: [...apis, ...domains] },
    ],
  },
  restore: {
    description: 'triggervault restore - one HTTP/WebSocket API, deployed',
    memorySize: 512,
    timeout: 900,
    roleNote: 'creates and deploys API Gateway HTTP and WebSocket APIs',
    statements: [
      {
        Sid: 'WriteHttpApis',
        Effect: 'Allow',
        Action: ['apigateway:GET', 'apigateway:POST', 'apigateway:PATCH'],
        Resource: apis,
      },
      { Sid: 'ReadCustomDomains', Effect: 'Allow', Action: 'apigateway:GET', Resource: domains },
      {
        Sid: 'TagHttpApis',
        Effect: 'Allow',
        Action: ['apigateway:POST', 'apigateway:DELETE'],
        Resource: 'arn:${AWS::Partition}:apigateway:*::/tags/*',
      },
    ],
    // Integrations and authorizers that carry a role hand it to API Gateway: only the deployment's roles (passRoleArns).
    passRoles: [{ roles: 'restore', to: ['apigateway.amazonaws.com'] }],
  },
  shared: {
    discover: [{ Sid: 'ListHttpApis', Effect: 'Allow', Action: 'apigateway:GET', Resource: apis }],
    drillCompare: [
      {
        Sid: 'ReadScratchHttpApis',
        Effect: 'Allow',
        Action: 'apigateway:GET',
        Resource: [...apis, ...domains],
      },
    ],
    drillCleanup: [
      {
        Sid: 'DeleteScratchHttpApis',
        Effect: 'Allow',
        Action: ['apigateway:GET', 'apigateway:DELETE'],
        Resource: apis,
      },
    ],
  },
};
