import type { KindStack, StackStatement } from '../types.js';

const accountFunctions = 'arn:${AWS::Partition}:lambda:*:${AWS::AccountId}:function:*';
/** Layers may be published by other accounts (public layers): any account, read only. */
const anyLayerVersion = 'arn:${AWS::Partition}:lambda:*:*:layer:*:*';

/** Reading functions and their triggers, as Discover/Snapshot do (restore, drill compare, trigger re-wiring, cleanup). */
export const readFunctionsAndTriggers: StackStatement = {
  Sid: 'ReadFunctionsAndTriggers',
  Effect: 'Allow',
  Action: [
    'lambda:GetFunction',
    'lambda:GetFunctionConfiguration',
    'lambda:GetPolicy',
    'lambda:GetAlias',
    'lambda:ListAliases',
    'lambda:ListVersionsByFunction',
    'lambda:GetFunctionUrlConfig',
    'lambda:GetFunctionConcurrency',
    'lambda:GetFunctionEventInvokeConfig',
    'lambda:GetProvisionedConcurrencyConfig',
    'lambda:GetFunctionCodeSigningConfig',
    'lambda:GetRuntimeManagementConfig',
    'lambda:GetFunctionRecursionConfig',
    'lambda:ListFunctionEventInvokeConfigs',
    'lambda:ListProvisionedConcurrencyConfigs',
    'lambda:ListFunctionUrlConfigs',
    'lambda:ListTags',
  ],
  Resource: accountFunctions,
};

/** lambda-function: code, configuration, versions, aliases and the triggers wired to it. */
export const lambdaFunctionStack: KindStack = {
  backup: {
    description: 'triggervault - snapshot one Lambda function (code, versions, aliases, triggers)',
    memorySize: 1024,
    timeout: 900,
    store: ['blobs'],
    statements: [
      readFunctionsAndTriggers,
      // The layer and who may use it (its policy; another account's layer answers AccessDenied: not captured).
      {
        Sid: 'ReadLayers',
        Effect: 'Allow',
        Action: ['lambda:GetLayerVersion', 'lambda:GetLayerVersionPolicy'],
        Resource: anyLayerVersion,
      },
      {
        Sid: 'ReadEventSourceMappings',
        Effect: 'Allow',
        Action: 'lambda:GetEventSourceMapping',
        Resource: 'arn:${AWS::Partition}:lambda:*:${AWS::AccountId}:event-source-mapping:*',
      },
      // Calls AWS cannot scope to a resource: read-only listings.
      {
        Sid: 'ListTriggerSources',
        Effect: 'Allow',
        Action: [
          'lambda:ListFunctions',
          'lambda:ListEventSourceMappings',
          's3:ListAllMyBuckets',
          'events:ListEventBuses',
          'events:ListRuleNamesByTarget',
          // A bus's rules, re-read for the rules recorded on it (triggers/eventbridge-rule.ts).
          'events:ListRules',
          'scheduler:ListSchedules',
          'scheduler:ListScheduleGroups',
          'sns:ListSubscriptions',
          'sns:GetSubscriptionAttributes',
          'cloudfront:ListDistributions',
        ],
        Resource: '*',
      },
      {
        Sid: 'ReadS3Notifications',
        Effect: 'Allow',
        Action: ['s3:GetBucketNotification', 's3:GetBucketLocation'],
        Resource: 'arn:${AWS::Partition}:s3:::*',
        Condition: { StringEquals: { 'aws:ResourceAccount': '${AWS::AccountId}' } },
      },
      {
        Sid: 'ReadEventBridgeRules',
        Effect: 'Allow',
        Action: ['events:DescribeRule', 'events:ListTargetsByRule'],
        Resource: 'arn:${AWS::Partition}:events:*:${AWS::AccountId}:rule/*',
      },
      {
        Sid: 'ReadSchedules',
        Effect: 'Allow',
        Action: 'scheduler:GetSchedule',
        Resource: 'arn:${AWS::Partition}:scheduler:*:${AWS::AccountId}:schedule/*',
      },
      {
        Sid: 'ReadTopicSubscriptions',
        Effect: 'Allow',
        Action: 'sns:ListSubscriptionsByTopic',
        Resource: 'arn:${AWS::Partition}:sns:*:${AWS::AccountId}:*',
      },
      {
        Sid: 'ReadApiGatewayIntegrations',
        Effect: 'Allow',
        Action: 'apigateway:GET',
        Resource: [
          'arn:${AWS::Partition}:apigateway:*::/restapis',
          'arn:${AWS::Partition}:apigateway:*::/restapis/*',
          'arn:${AWS::Partition}:apigateway:*::/apis',
          'arn:${AWS::Partition}:apigateway:*::/apis/*',
        ],
      },
      {
        Sid: 'ReadCloudFrontDistributions',
        Effect: 'Allow',
        Action: ['cloudfront:GetDistribution', 'cloudfront:GetDistributionConfig'],
        Resource: 'arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/*',
      },
      {
        Sid: 'ReadMappedStreamShards',
        Effect: 'Allow',
        Action: ['kinesis:ListShards', 'kinesis:DescribeStreamSummary'],
        Resource: 'arn:${AWS::Partition}:kinesis:*:${AWS::AccountId}:stream/*',
      },
    ],
  },
  restore: {
    description: 'triggervault restore - one Lambda function (code, configuration, versions, aliases)',
    memorySize: 1024,
    timeout: 900,
    roleNote: 'creates/updates Lambda functions',
    statements: [
      readFunctionsAndTriggers,
      {
        Sid: 'WriteFunctions',
        Effect: 'Allow',
        Action: [
          'lambda:CreateFunction',
          'lambda:UpdateFunctionCode',
          'lambda:UpdateFunctionConfiguration',
          'lambda:PublishVersion',
          'lambda:CreateAlias',
          'lambda:UpdateAlias',
          'lambda:CreateFunctionUrlConfig',
          'lambda:UpdateFunctionUrlConfig',
          'lambda:PutFunctionCodeSigningConfig',
          'lambda:PutFunctionConcurrency',
          'lambda:PutFunctionEventInvokeConfig',
          'lambda:PutProvisionedConcurrencyConfig',
          'lambda:TagResource',
          'lambda:AddPermission',
          'lambda:RemovePermission',
        ],
        Resource: accountFunctions,
      },
      // CreateFunction/UpdateFunctionConfiguration with Layers need GetLayerVersion (any account's layers).
      { Sid: 'ReadLayers', Effect: 'Allow', Action: 'lambda:GetLayerVersion', Resource: anyLayerVersion },
      // A function in a VPC: Lambda checks the subnets and security groups with the caller's rights.
      {
        Sid: 'DescribeVpcConfig',
        Effect: 'Allow',
        Action: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs'],
        Resource: '*',
      },
    ],
    // Execution roles, from the deployment's allow-list only, and only handed to Lambda.
    passRoles: [{ roles: 'restore', to: ['lambda.amazonaws.com'] }],
  },
};
