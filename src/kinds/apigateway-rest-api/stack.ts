import type { KindStack } from '../types.js';

const restApis = [
  'arn:${AWS::Partition}:apigateway:*::/restapis',
  'arn:${AWS::Partition}:apigateway:*::/restapis/*',
];
// Custom domains are read to report their base path mappings (manual on restore).
const domains = [
  'arn:${AWS::Partition}:apigateway:*::/domainnames',
  'arn:${AWS::Partition}:apigateway:*::/domainnames/*',
];

/** apigateway-rest-api: the whole API (resources, methods, authorizers, models, validators, responses, stages). */
export const apiGatewayRestApiStack: KindStack = {
  backup: {
    description:
      'triggervault - back up one REST API (resources, methods, integrations, authorizers, stages)',
    memorySize: 512,
    timeout: 900,
    statements: [
      { Sid: 'ReadRestApis', Effect: 'Allow', Action: 'apigateway:GET', Resource: [...restApis, ...domains] },
    ],
  },
  restore: {
    description: 'triggervault restore - one REST API, re-created with a deployment',
    memorySize: 512,
    timeout: 900,
    roleNote: 'creates and deploys API Gateway REST APIs',
    statements: [
      {
        Sid: 'WriteRestApis',
        Effect: 'Allow',
        // DELETE: a method replaced under --force is deleted then put again.
        Action: [
          'apigateway:GET',
          'apigateway:POST',
          'apigateway:PUT',
          'apigateway:PATCH',
          'apigateway:DELETE',
        ],
        Resource: restApis,
      },
      { Sid: 'ReadCustomDomains', Effect: 'Allow', Action: 'apigateway:GET', Resource: domains },
      // Tags are written through the tagging endpoint.
      {
        Sid: 'TagRestApis',
        Effect: 'Allow',
        Action: ['apigateway:PUT', 'apigateway:DELETE'],
        Resource: 'arn:${AWS::Partition}:apigateway:*::/tags/*',
      },
    ],
    // Integrations and authorizers that carry a role hand it to API Gateway: only the deployment's roles (passRoleArns).
    passRoles: [{ roles: 'restore', to: ['apigateway.amazonaws.com'] }],
  },
  shared: {
    discover: [{ Sid: 'ListRestApis', Effect: 'Allow', Action: 'apigateway:GET', Resource: restApis }],
    drillCompare: [
      {
        Sid: 'ReadScratchRestApis',
        Effect: 'Allow',
        Action: 'apigateway:GET',
        Resource: [...restApis, ...domains],
      },
    ],
    drillCleanup: [
      {
        Sid: 'DeleteScratchRestApis',
        Effect: 'Allow',
        Action: ['apigateway:GET', 'apigateway:DELETE'],
        Resource: restApis,
      },
    ],
  },
};
