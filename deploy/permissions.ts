import type { Statement } from './cfn.js';

/**
 * Reusable IAM statements (formerly serverless.yml's YAML anchors). Each handler's policy takes
 * only the ones it needs; `${...}` tokens are CloudFormation references (see cfn.ts).
 */

// ---------------------------------------------------------------- ARNs of the protected account
// Restores write only there; AWS::AccountId pins the account.
export const accountFunctions = 'arn:${AWS::Partition}:lambda:*:${AWS::AccountId}:function:*';
export const accountLayers = 'arn:${AWS::Partition}:lambda:*:${AWS::AccountId}:layer:*';
export const accountMappings = 'arn:${AWS::Partition}:lambda:*:${AWS::AccountId}:event-source-mapping:*';
export const accountTables = 'arn:${AWS::Partition}:dynamodb:*:${AWS::AccountId}:table/*';
export const accountStreams = 'arn:${AWS::Partition}:kinesis:*:${AWS::AccountId}:stream/*';
export const accountRules = 'arn:${AWS::Partition}:events:*:${AWS::AccountId}:rule/*';
export const accountEventBuses = 'arn:${AWS::Partition}:events:*:${AWS::AccountId}:event-bus/*';
export const accountSchedules = 'arn:${AWS::Partition}:scheduler:*:${AWS::AccountId}:schedule/*';
export const accountScheduleGroups = 'arn:${AWS::Partition}:scheduler:*:${AWS::AccountId}:schedule-group/*';
export const accountTopics = 'arn:${AWS::Partition}:sns:*:${AWS::AccountId}:*';
export const accountQueues = 'arn:${AWS::Partition}:sqs:*:${AWS::AccountId}:*';
export const accountRoles = 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*';
export const accountKeys = 'arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*';
export const accountDistributions = 'arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/*';
export const anyBucket = 'arn:${AWS::Partition}:s3:::*';
export const anyObject = 'arn:${AWS::Partition}:s3:::*/*';
/** Layers may be published by other accounts (public layers): any account, read only. */
export const anyLayerVersion = 'arn:${AWS::Partition}:lambda:*:*:layer:*:*';
export const apiGatewayApis = [
  'arn:${AWS::Partition}:apigateway:*::/restapis',
  'arn:${AWS::Partition}:apigateway:*::/restapis/*',
  'arn:${AWS::Partition}:apigateway:*::/apis',
  'arn:${AWS::Partition}:apigateway:*::/apis/*',
];
export const sameAccount = { StringEquals: { 'aws:ResourceAccount': '${AWS::AccountId}' } };

// ---------------------------------------------------------------- the backup store
/** Who a handler is: Lambda assumes its role. */
export const lambdaTrust = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

/** Every handler writes its own log group and nothing else's. */
export const ownLogs = (logGroup: string): Statement => ({
  Sid: 'OwnLogs',
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: `\${${logGroup}.Arn}`,
});

export const storeList: Statement = {
  Sid: 'StoreList',
  Effect: 'Allow',
  // ListBucket also makes HeadObject answer 404 (not 403) for a key that does not exist yet.
  Action: 's3:ListBucket',
  Resource: '${BackupBucket.Arn}',
};
export const storeRead: Statement = {
  Sid: 'StoreRead',
  Effect: 'Allow',
  Action: 's3:GetObject',
  Resource: '${BackupBucket.Arn}/*',
};
export const storeWriteRuns: Statement = {
  Sid: 'StoreWriteRuns',
  Effect: 'Allow',
  Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
  Resource: '${BackupBucket.Arn}/runs/*',
};
export const storeWriteBlobs: Statement = {
  Sid: 'StoreWriteBlobs',
  Effect: 'Allow',
  // Content-addressed blobs are written to tmp/ while hashing, then copied to blobs/<sha256>.
  Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
  Resource: ['${BackupBucket.Arn}/blobs/*', '${BackupBucket.Arn}/tmp/*'],
};
export const storeRemoveTemporaries: Statement = {
  Sid: 'StoreRemoveTemporaries',
  Effect: 'Allow',
  Action: 's3:DeleteObject',
  Resource: '${BackupBucket.Arn}/tmp/*',
};
export const storeKey: Statement = {
  Sid: 'StoreKey',
  Effect: 'Allow',
  Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
  Resource: '${BackupKey.Arn}',
};
/** Restore handlers write their own records under runs/<run>/restores/<restore>/ and nothing else. */
export const storeWriteRestores: Statement = {
  Sid: 'StoreWriteRestores',
  Effect: 'Allow',
  Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
  Resource: '${BackupBucket.Arn}/runs/*/restores/*',
};
/** Copies stored objects with their tags (CopyObject, TaggingDirective COPY) and reads tags back. */
export const storeReadTags: Statement = {
  Sid: 'StoreReadTags',
  Effect: 'Allow',
  Action: 's3:GetObjectTagging',
  Resource: '${BackupBucket.Arn}/*',
};
/** Restore handlers change resources in the protected account: never the backup bucket itself. */
export const storeNeverChanged: Statement = {
  Sid: 'NeverChangeBackupBucket',
  Effect: 'Deny',
  Action: [
    's3:DeleteBucket',
    's3:DeleteBucketPolicy',
    's3:PutBucketPolicy',
    's3:PutBucketVersioning',
    's3:PutBucketObjectLockConfiguration',
    's3:PutLifecycleConfiguration',
    's3:PutEncryptionConfiguration',
    's3:PutBucketPublicAccessBlock',
    's3:PutBucketOwnershipControls',
    's3:PutBucketNotification',
    's3:PutBucketTagging',
    's3:PutBucketCORS',
    's3:DeleteObject',
    's3:DeleteObjectVersion',
    's3:PutObjectTagging',
  ],
  Resource: ['${BackupBucket.Arn}', '${BackupBucket.Arn}/*'],
};

/** What every backup handler does with the store: list, read, write runs/*, through the key. */
export const backupStore = [storeList, storeRead, storeWriteRuns, storeKey];
/** What every restore handler does with the store: read, write its own records, never change the bucket. */
export const restoreStore = [storeList, storeRead, storeWriteRestores, storeKey, storeNeverChanged];

// ---------------------------------------------------------------- functions and triggers
/** Only roles of this account, and only to the service the restored resource hands them to. */
export const passRoleTo = (Sid: string, services: string | string[]): Statement => ({
  Sid,
  Effect: 'Allow',
  Action: 'iam:PassRole',
  Resource: accountRoles,
  Condition: { StringEquals: { 'iam:PassedToService': services } },
});

/** Reading functions and their triggers, as Discover/Snapshot do (drill compare, trigger re-wiring, cleanup). */
export const readFunctionsAndTriggers: Statement = {
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
export const listTriggerSources: Statement = {
  Sid: 'ListTriggerSources',
  Effect: 'Allow',
  Action: [
    'lambda:ListFunctions',
    'lambda:ListEventSourceMappings',
    'lambda:ListLayerVersions',
    's3:ListAllMyBuckets',
    'events:ListEventBuses',
    'scheduler:ListSchedules',
    'scheduler:ListScheduleGroups',
    'sns:ListSubscriptions',
    'cloudfront:ListDistributions',
  ],
  Resource: '*',
};
export const readLayers: Statement = {
  Sid: 'ReadLayers',
  Effect: 'Allow',
  // A layer version and its policy (who may use it): a snapshot captures both.
  Action: ['lambda:GetLayerVersion', 'lambda:GetLayerVersionPolicy'],
  Resource: anyLayerVersion,
};
export const readCloudFrontDistributions: Statement = {
  Sid: 'ReadCloudFrontDistributions',
  Effect: 'Allow',
  Action: ['cloudfront:GetDistribution', 'cloudfront:GetDistributionConfig'],
  Resource: accountDistributions,
};
export const readEventBridgeRules: Statement = {
  Sid: 'ReadEventBridgeRules',
  Effect: 'Allow',
  Action: ['events:ListRuleNamesByTarget', 'events:DescribeRule', 'events:ListTargetsByRule'],
  Resource: accountRules,
};
export const readSchedules: Statement = {
  Sid: 'ReadSchedules',
  Effect: 'Allow',
  Action: 'scheduler:GetSchedule',
  Resource: accountSchedules,
};
export const readApiGatewayIntegrations: Statement = {
  Sid: 'ReadApiGatewayIntegrations',
  Effect: 'Allow',
  Action: 'apigateway:GET',
  Resource: apiGatewayApis,
};
