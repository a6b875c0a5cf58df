import type { Statement } from './cfn.js';
import {
  accountDistributions,
  accountEventBuses,
  accountFunctions,
  accountKeys,
  accountMappings,
  accountQueues,
  accountRules,
  accountScheduleGroups,
  accountSchedules,
  accountStreams,
  accountTables,
  accountTopics,
  anyBucket,
  apiGatewayApis,
  readApiGatewayIntegrations,
  readCloudFrontDistributions,
  readEventBridgeRules,
  readLayers,
  readSchedules,
  sameAccount,
} from './permissions.js';

/**
 * The longer statement sets of single handlers (the table names them; deploy/permissions.ts holds the
 * fragments shared by several). Each comes after the handler's store fragments and the shared reads
 * of functions and trigger sources.
 */

/** restoreTriggers: re-wires each trigger type to the restored functions, in this account only. */
export const rewireTriggers: Statement[] = [
  // Invoke permissions for the trigger's service, and Lambda@Edge replication.
  {
    Sid: 'FunctionPermissions',
    Effect: 'Allow',
    Action: ['lambda:AddPermission', 'lambda:RemovePermission', 'lambda:EnableReplication'],
    Resource: accountFunctions,
  },
  // CreateEventSourceMapping cannot be scoped to a resource (AWS: Resource "*"); the
  // lambda:FunctionArn condition limits it to functions of this account.
  {
    Sid: 'CreateEventSourceMappings',
    Effect: 'Allow',
    Action: 'lambda:CreateEventSourceMapping',
    Resource: '*',
    Condition: { ArnLike: { 'lambda:FunctionArn': accountFunctions } },
  },
  {
    Sid: 'UpdateEventSourceMappings',
    Effect: 'Allow',
    Action: ['lambda:UpdateEventSourceMapping', 'lambda:GetEventSourceMapping'],
    Resource: accountMappings,
  },
  {
    Sid: 'ReadMappingSources',
    Effect: 'Allow',
    Action: [
      'kinesis:DescribeStreamSummary',
      'kinesis:DescribeStreamConsumer',
      'kinesis:ListShards',
      'dynamodb:DescribeTable',
      'sqs:GetQueueUrl',
    ],
    Resource: [accountStreams, accountTables, accountQueues],
  },
  {
    Sid: 'WriteS3Notifications',
    Effect: 'Allow',
    Action: ['s3:GetBucketNotification', 's3:PutBucketNotification', 's3:GetBucketLocation'],
    Resource: anyBucket,
    Condition: sameAccount,
  },
  {
    Sid: 'WriteEventBridgeRules',
    Effect: 'Allow',
    Action: ['events:PutRule', 'events:PutTargets', 'events:DescribeRule', 'events:ListTargetsByRule'],
    Resource: accountRules,
  },
  {
    Sid: 'ReadEventBuses',
    Effect: 'Allow',
    Action: 'events:DescribeEventBus',
    Resource: accountEventBuses,
  },
  {
    Sid: 'WriteSchedules',
    Effect: 'Allow',
    Action: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:GetSchedule'],
    Resource: accountSchedules,
  },
  {
    Sid: 'WriteScheduleGroups',
    Effect: 'Allow',
    Action: ['scheduler:CreateScheduleGroup', 'scheduler:GetScheduleGroup'],
    Resource: accountScheduleGroups,
  },
  {
    Sid: 'WriteSubscriptions',
    Effect: 'Allow',
    Action: [
      'sns:Subscribe',
      'sns:SetSubscriptionAttributes',
      'sns:GetSubscriptionAttributes',
      'sns:GetTopicAttributes',
      'sns:ListSubscriptionsByTopic',
    ],
    Resource: accountTopics,
  },
  // Methods and integrations; with --redeploy-stage also GetStages and CreateDeployment (GET, POST).
  {
    Sid: 'WriteApiGatewayIntegrations',
    Effect: 'Allow',
    Action: ['apigateway:GET', 'apigateway:POST', 'apigateway:PUT', 'apigateway:PATCH'],
    Resource: apiGatewayApis,
  },
  {
    Sid: 'WriteCloudFrontAssociations',
    Effect: 'Allow',
    Action: ['cloudfront:GetDistributionConfig', 'cloudfront:UpdateDistribution'],
    Resource: accountDistributions,
  },
];

/**
 * drillCompare: reads the drill's scratch copy (and only it) as the backup reads the originals; changes
 * nothing. Each kind adds the reads of its own scratch resources (its stack's `shared.drillCompare`).
 */
export const readScratchCopy: Statement[] = [
  // livePicture runs the backup's snapshot of each scratch function (code into a local temp store).
  {
    Sid: 'ReadMappings',
    Effect: 'Allow',
    Action: 'lambda:GetEventSourceMapping',
    Resource: accountMappings,
  },
  { Sid: 'ReadMappingSources', Effect: 'Allow', Action: 'sqs:GetQueueUrl', Resource: accountQueues },
  readLayers,
  readEventBridgeRules,
  readSchedules,
  {
    Sid: 'ReadSubscriptions',
    Effect: 'Allow',
    Action: ['sns:ListSubscriptionsByTopic', 'sns:GetSubscriptionAttributes'],
    Resource: accountTopics,
  },
  readApiGatewayIntegrations,
  readCloudFrontDistributions,
  {
    Sid: 'DecryptScratchData',
    Effect: 'Allow',
    Action: 'kms:Decrypt',
    Resource: accountKeys,
    Condition: { StringLike: { 'kms:ViaService': ['s3.*.amazonaws.com', 'kinesis.*.amazonaws.com'] } },
  },
];

/**
 * drillCleanup: deletes only the drill's scratch copies (-drill-xxxxxx) and the triggers it wired. Each
 * kind adds the deletes of its own scratch resources (its stack's `shared.drillCleanup`).
 */
export const deleteScratchCopy: Statement[] = [
  // Scratch copies carry the drill's suffix (-drill-<6 hex>, DRILL_SUFFIX): deletes are limited to it.
  {
    Sid: 'DeleteScratchFunctions',
    Effect: 'Allow',
    Action: 'lambda:DeleteFunction',
    Resource: 'arn:${AWS::Partition}:lambda:*:${AWS::AccountId}:function:*-drill-*',
  },
  {
    Sid: 'DeleteScratchLayers',
    Effect: 'Allow',
    Action: 'lambda:DeleteLayerVersion',
    Resource: 'arn:${AWS::Partition}:lambda:*:${AWS::AccountId}:layer:*-drill-*:*',
  },
  // Removing a scratch function's stream mapping reads the stream's shards (whichever stream it reads).
  {
    Sid: 'ReadMappedStreams',
    Effect: 'Allow',
    Action: ['kinesis:ListShards', 'kinesis:DescribeStreamSummary'],
    Resource: accountStreams,
  },
  // The drill's triggers (wired to its scratch functions) are removed where they live.
  {
    Sid: 'RemoveScratchMappings',
    Effect: 'Allow',
    Action: ['lambda:DeleteEventSourceMapping', 'lambda:GetEventSourceMapping'],
    Resource: accountMappings,
  },
  {
    Sid: 'RemoveScratchS3Notifications',
    Effect: 'Allow',
    Action: ['s3:GetBucketNotification', 's3:PutBucketNotification', 's3:GetBucketLocation'],
    Resource: anyBucket,
    Condition: sameAccount,
  },
  {
    Sid: 'RemoveScratchRules',
    Effect: 'Allow',
    Action: ['events:RemoveTargets', 'events:DeleteRule', 'events:DescribeRule', 'events:ListTargetsByRule'],
    Resource: accountRules,
  },
  {
    Sid: 'RemoveScratchSchedules',
    Effect: 'Allow',
    Action: ['scheduler:DeleteSchedule', 'scheduler:GetSchedule'],
    Resource: accountSchedules,
  },
  {
    Sid: 'RemoveScratchSubscriptions',
    Effect: 'Allow',
    Action: ['sns:Unsubscribe', 'sns:ListSubscriptionsByTopic', 'sns:GetSubscriptionAttributes'],
    Resource: accountTopics,
  },
  {
    Sid: 'RemoveScratchApiIntegrations',
    Effect: 'Allow',
    Action: ['apigateway:GET', 'apigateway:DELETE'],
    Resource: apiGatewayApis,
  },
  readCloudFrontDistributions,
];
