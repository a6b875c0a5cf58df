import { KIND_NAMES, type KindName } from '../schemas/common.js';
import type { Statement } from './cfn.js';
import { KIND_STACKS } from './kinds/index.js';
import {
  accountDistributions,
  accountEventBuses,
  accountFunctions,
  accountKeys,
  accountLayers,
  accountMappings,
  accountQueues,
  accountRules,
  accountScheduleGroups,
  accountSchedules,
  accountStreams,
  accountTables,
  accountTopics,
  anyBucket,
  anyObject,
  apiGatewayApis,
  backupStore,
  listTriggerSources,
  passRoleTo,
  readApiGatewayIntegrations,
  readCloudFrontDistributions,
  readEventBridgeRules,
  readFunctionsAndTriggers,
  readLayers,
  readSchedules,
  restoreStore,
  sameAccount,
  storeKey,
  storeList,
  storeNeverChanged,
  storeRead,
  storeReadTags,
  storeRemoveTemporaries,
  storeWriteBlobs,
  storeWriteRestores,
  storeWriteRuns,
} from './permissions.js';

/**
 * THE handler table: every Lambda of the stack, once. deploy/stack.ts generates from it the
 * `functions:` of serverless.yml, one role + policy per handler, the key policy's handler
 * principals, each state machine's invoke list and dependsOn; src/local/handlers.ts binds the same
 * names in-process and the stack test checks the compiled template against it.
 */

export type MachineName = 'backup' | 'restore';

/** The entry modules under handlers/: each exports `handler`; backup-item and restore-item also `handlerFor(kind)`. */
export type HandlerEntry =
  | 'plan'
  | 'discover'
  | 'backup-item'
  | 'record-failure'
  | 'verify'
  | 'finalize'
  | 'publish'
  | 'restore-plan'
  | 'restore-region'
  | 'restore-item'
  | 'restore-triggers'
  | 'restore-failure'
  | 'restore-report'
  | 'drill-compare'
  | 'drill-cleanup'
  | 'drill-publish';

export interface HandlerSpec {
  /** Function key: the deployed function is `<service>-<stage>-<name>`; static ASL tasks say `Fn::GetAtt: [name, Arn]`. */
  name: string;
  /** Entry module `handlers/<entry>.ts`. */
  entry: HandlerEntry;
  description: string;
  memorySize: number;
  /** Seconds, within the TimeoutSeconds of every Task state that runs it. */
  timeout: number;
  /** The state machine that invokes it (checked against the ASL). */
  machine: MachineName;
  /** Said in parentheses in the role's description. */
  roleNote?: string;
  /** Extra environment (values may hold `${...}` tokens). */
  environment?: Record<string, string>;
  /** Its policy after OwnLogs, in order. */
  permissions: Statement[];
  /** A per-kind handler (`backup-<kind>`, `restore-<kind>`): the kind it serves. */
  kind?: KindName;
}

/**
 * `backup-<kind>` / `restore-<kind>`: the item Task of the state machine invokes it by name
 * (`<taskPrefix>-backup-<kind>`), so a new kind needs no ASL state, no handler file and no stack edit.
 */
function kindHandler(kind: KindName, direction: MachineName): HandlerSpec {
  const task = KIND_STACKS[kind][direction];
  const extra = new Set(task.store ?? []);
  const store =
    direction === 'backup'
      ? [
          storeList,
          storeRead,
          storeWriteRuns,
          ...(extra.has('blobs') ? [storeWriteBlobs, storeRemoveTemporaries] : []),
          storeKey,
        ]
      : [
          storeList,
          storeRead,
          ...(extra.has('tags') ? [storeReadTags] : []),
          storeWriteRestores,
          storeKey,
          storeNeverChanged,
        ];
  return {
    name: `${direction}-${kind}`,
    entry: direction === 'backup' ? 'backup-item' : 'restore-item',
    description: task.description,
    memorySize: task.memorySize,
    timeout: task.timeout,
    machine: direction,
    roleNote: task.roleNote,
    environment: { TRIGGERVAULT_KIND: kind },
    permissions: [...store, ...task.statements],
    kind,
  };
}

export const HANDLERS: readonly HandlerSpec[] = [
  // ---------------------------------------------------------------- backup (statemachines/backup.asl.yaml)
  {
    name: 'plan',
    entry: 'plan',
    description: 'triggervault Plan - validate the run input, resolve regions and kinds, new run id',
    memorySize: 256,
    timeout: 60,
    machine: 'backup',
    permissions: [
      ...backupStore,
      { Sid: 'EnabledRegions', Effect: 'Allow', Action: 'ec2:DescribeRegions', Resource: '*' },
    ],
  },
  {
    name: 'discover',
    entry: 'discover',
    description: 'triggervault Discover - functions, their triggers and event sources in one region',
    memorySize: 512,
    timeout: 300,
    machine: 'backup',
    permissions: [
      ...backupStore,
      {
        Sid: 'ListResourcesOfRegion',
        Effect: 'Allow',
        Action: [
          'lambda:ListFunctions',
          'lambda:ListEventSourceMappings',
          'dynamodb:ListTables',
          's3:ListAllMyBuckets',
          'kinesis:ListStreams',
        ],
        Resource: '*',
      },
      { Sid: 'FunctionPolicies', Effect: 'Allow', Action: 'lambda:GetPolicy', Resource: accountFunctions },
      { Sid: 'BucketRegions', Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: anyBucket },
    ],
  },
  // backup-<kind>: one per kind, each with its own role (deploy/kinds/<kind>.ts).
  ...KIND_NAMES.map((kind) => kindHandler(kind, 'backup')),
  {
    name: 'recordFailure',
    entry: 'record-failure',
    description: 'triggervault - record one failed item; the run goes on',
    memorySize: 256,
    timeout: 60,
    machine: 'backup',
    permissions: backupStore,
  },
  {
    name: 'verify',
    entry: 'verify',
    description: 'triggervault Verify - re-read every artifact of a run (sha256, size, counts)',
    memorySize: 1024,
    timeout: 900,
    machine: 'backup',
    roleNote: 'reads the store only',
    permissions: [storeList, storeRead, storeKey],
  },
  {
    name: 'finalize',
    entry: 'finalize',
    description: 'triggervault Finalize - write manifest.json last',
    memorySize: 512,
    timeout: 300,
    machine: 'backup',
    permissions: backupStore,
  },
  {
    name: 'publish',
    entry: 'publish',
    description: 'triggervault Publish - SNS summary, failed items to the dead-letter queue',
    memorySize: 256,
    timeout: 60,
    machine: 'backup',
    environment: { TRIGGERVAULT_TOPIC_ARN: '${ResultsTopic}', TRIGGERVAULT_DLQ_URL: '${DeadLetterQueue}' },
    permissions: [
      storeList,
      storeRead,
      storeKey,
      { Sid: 'PublishSummary', Effect: 'Allow', Action: 'sns:Publish', Resource: '${ResultsTopic}' },
      // Sends this run's failed items; after a redrive, removes the run's superseded dead
      // letters and hands every other message back at once (ReceiveMessage/ChangeMessageVisibility).
      {
        Sid: 'DeadLetterFailedItems',
        Effect: 'Allow',
        Action: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'],
        Resource: '${DeadLetterQueue.Arn}',
      },
    ],
  },

  // ---------------------------------------------------------------- restore (statemachines/restore.asl.yaml)
  // These write to the protected account. Store: read, write only under runs/*/restores/*, never
  // change the backup bucket (explicit Deny).
  {
    name: 'restorePlan',
    entry: 'restore-plan',
    description: "triggervault restore Plan - validate the input, read the run's manifest, store the plan",
    memorySize: 512,
    timeout: 300,
    machine: 'restore',
    roleNote: 'reads the store, writes the plan',
    permissions: restoreStore,
  },
  {
    name: 'restoreRegion',
    entry: 'restore-region',
    description: 'triggervault restore - layer versions of one region, then its work items',
    memorySize: 1024,
    timeout: 900,
    machine: 'restore',
    roleNote: 'publishes layer versions',
    permissions: [
      ...restoreStore,
      {
        Sid: 'PublishLayerVersions',
        Effect: 'Allow',
        Action: 'lambda:PublishLayerVersion',
        Resource: accountLayers,
      },
      readLayers,
      { Sid: 'ListLayerVersions', Effect: 'Allow', Action: 'lambda:ListLayerVersions', Resource: '*' },
    ],
  },
  // restore-<kind>: one per kind, each with its own role (deploy/kinds/<kind>.ts).
  ...KIND_NAMES.map((kind) => kindHandler(kind, 'restore')),
  {
    name: 'restoreTriggers',
    entry: 'restore-triggers',
    description: 'triggervault restore - re-wire one group of triggers to the restored functions',
    memorySize: 512,
    timeout: 900,
    machine: 'restore',
    roleNote: 're-wires triggers to the restored functions',
    permissions: [
      ...restoreStore,
      readFunctionsAndTriggers,
      listTriggerSources,
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
        Action: [
          'events:PutRule',
          'events:PutTargets',
          'events:DescribeRule',
          'events:ListRuleNamesByTarget',
          'events:ListTargetsByRule',
        ],
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
      // Rules and schedules that carry a RoleArn hand it to EventBridge / EventBridge Scheduler.
      passRoleTo('PassTargetRoles', ['events.amazonaws.com', 'scheduler.amazonaws.com']),
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
    ],
  },
  {
    name: 'restoreFailure',
    entry: 'restore-failure',
    description: 'triggervault restore - record one failed item; the restore goes on',
    memorySize: 256,
    timeout: 60,
    machine: 'restore',
    permissions: restoreStore,
  },
  {
    name: 'restoreReport',
    entry: 'restore-report',
    description: "triggervault restore Report - every item's outcome, counted (report.json)",
    memorySize: 512,
    timeout: 300,
    machine: 'restore',
    permissions: restoreStore,
  },
  {
    name: 'drillCompare',
    entry: 'drill-compare',
    description: 'triggervault drill - compare the scratch restore with the backup (read only)',
    memorySize: 1024,
    timeout: 900,
    machine: 'restore',
    roleNote: 'reads the scratch copy; changes nothing',
    permissions: [
      ...restoreStore,
      readFunctionsAndTriggers,
      listTriggerSources,
      // livePicture runs the backup's snapshot of each scratch function (code into a local temp store).
      {
        Sid: 'ReadMappings',
        Effect: 'Allow',
        Action: 'lambda:GetEventSourceMapping',
        Resource: accountMappings,
      },
      { Sid: 'ReadMappingSources', Effect: 'Allow', Action: 'sqs:GetQueueUrl', Resource: accountQueues },
      readLayers,
      {
        Sid: 'ReadTables',
        Effect: 'Allow',
        Action: [
          'dynamodb:DescribeTable',
          'dynamodb:DescribeTimeToLive',
          'dynamodb:DescribeContinuousBackups',
          'dynamodb:ListTagsOfResource',
          'dynamodb:Scan',
        ],
        Resource: accountTables,
      },
      {
        Sid: 'ReadStreams',
        Effect: 'Allow',
        Action: [
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:DescribeStreamConsumer',
          'kinesis:ListShards',
          'kinesis:ListTagsForStream',
          'kinesis:ListStreamConsumers',
          'kinesis:GetShardIterator',
          'kinesis:GetRecords',
        ],
        Resource: accountStreams,
      },
      {
        Sid: 'ReadBuckets',
        Effect: 'Allow',
        Action: [
          's3:ListBucket',
          's3:GetBucketCORS',
          's3:GetEncryptionConfiguration',
          's3:GetLifecycleConfiguration',
          's3:GetBucketOwnershipControls',
          's3:GetBucketPolicy',
          's3:GetBucketTagging',
          's3:GetBucketVersioning',
          's3:GetBucketPublicAccessBlock',
          's3:GetBucketObjectLockConfiguration',
          's3:GetBucketLocation',
          's3:GetBucketNotification',
        ],
        Resource: anyBucket,
        Condition: sameAccount,
      },
      {
        Sid: 'ReadObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectTagging'],
        Resource: anyObject,
        Condition: sameAccount,
      },
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
    ],
  },
  {
    name: 'drillCleanup',
    entry: 'drill-cleanup',
    description: "triggervault drill - delete the drill's scratch resources (names ending -drill-xxxxxx)",
    memorySize: 512,
    timeout: 900,
    machine: 'restore',
    roleNote: "deletes only the drill's -drill-xxxxxx copies and their triggers",
    permissions: [
      ...restoreStore,
      readFunctionsAndTriggers,
      listTriggerSources,
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
      {
        Sid: 'DeleteScratchTables',
        Effect: 'Allow',
        // UpdateTable turns deletion protection off first.
        Action: ['dynamodb:DescribeTable', 'dynamodb:UpdateTable', 'dynamodb:DeleteTable'],
        Resource: 'arn:${AWS::Partition}:dynamodb:*:${AWS::AccountId}:table/*-drill-*',
      },
      {
        Sid: 'DeleteScratchStreams',
        Effect: 'Allow',
        Action: 'kinesis:DeleteStream',
        Resource: 'arn:${AWS::Partition}:kinesis:*:${AWS::AccountId}:stream/*-drill-*',
      },
      {
        Sid: 'EmptyScratchBuckets',
        Effect: 'Allow',
        Action: ['s3:ListBucketVersions', 's3:DeleteBucket'],
        Resource: 'arn:${AWS::Partition}:s3:::*-drill-*',
        Condition: sameAccount,
      },
      {
        Sid: 'DeleteScratchObjects',
        Effect: 'Allow',
        Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        Resource: 'arn:${AWS::Partition}:s3:::*-drill-*/*',
        Condition: sameAccount,
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
        Action: [
          'events:RemoveTargets',
          'events:DeleteRule',
          'events:DescribeRule',
          'events:ListRuleNamesByTarget',
          'events:ListTargetsByRule',
        ],
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
    ],
  },
  {
    name: 'drillPublish',
    entry: 'drill-publish',
    description: 'triggervault drill - drill.json and the SNS result',
    memorySize: 256,
    timeout: 300,
    machine: 'restore',
    environment: { TRIGGERVAULT_TOPIC_ARN: '${ResultsTopic}' },
    permissions: [
      ...restoreStore,
      { Sid: 'PublishDrillResult', Effect: 'Allow', Action: 'sns:Publish', Resource: '${ResultsTopic}' },
    ],
  },
];

/** The handler of that name, or an error naming it. */
export function handlerSpec(name: string): HandlerSpec {
  const spec = HANDLERS.find((candidate) => candidate.name === name);
  if (!spec) throw new Error(`no handler ${name} in deploy/handlers.ts`);
  return spec;
}
