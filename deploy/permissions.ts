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
  // GetEncryptionConfiguration: a store opened without TRIGGERVAULT_STORE_KMS_KEY writes with its
  // bucket's own default key (store/s3-backend.ts storeEncryption).
  Action: ['s3:ListBucket', 's3:GetEncryptionConfiguration'],
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
/** Verify's own results (one document per chunk of checks), never the run's artifacts. */
export const storeWriteVerifyResults: Statement = {
  Sid: 'StoreWriteVerifyResults',
  Effect: 'Allow',
  Action: 's3:PutObject',
  Resource: '${BackupBucket.Arn}/runs/*/verify/*',
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

/**
 * Manifests are signed (src/store/signature.ts): every handler that reads a run checks the signature
 * with the manifest key's public key; only Finalize may sign (the key policy says so too).
 */
export const manifestKeyVerify: Statement = {
  Sid: 'ManifestKeyVerify',
  Effect: 'Allow',
  Action: ['kms:GetPublicKey', 'kms:DescribeKey'],
  Resource: '${ManifestSigningKey.Arn}',
};
export const manifestKeySign: Statement = {
  Sid: 'ManifestKeySign',
  Effect: 'Allow',
  Action: 'kms:Sign',
  Resource: '${ManifestSigningKey.Arn}',
};
/**
 * A store of this account — the backup bucket, or a copy of it (docs/policies.md `copies`) that a
 * restore reads from or Finalize writes to: a bucket listed, its store keys (`runs/`, `blobs/`) read,
 * through the key that bucket uses. Bucket ARNs carry no account: aws:ResourceAccount pins it.
 */
const storeObjects = ['arn:${AWS::Partition}:s3:::*/runs/*', 'arn:${AWS::Partition}:s3:::*/blobs/*'];
export const accountStoreList: Statement = {
  Sid: 'AccountStoreList',
  Effect: 'Allow',
  Action: ['s3:ListBucket', 's3:GetEncryptionConfiguration'],
  Resource: anyBucket,
  Condition: sameAccount,
};
export const accountStoreRead: Statement = {
  Sid: 'AccountStoreRead',
  Effect: 'Allow',
  Action: 's3:GetObject',
  Resource: storeObjects,
  Condition: sameAccount,
};
export const accountStoreKeys: Statement = {
  Sid: 'AccountStoreKeys',
  Effect: 'Allow',
  Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
  Resource: accountKeys,
  Condition: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } },
};
/** A restore's own records, in the store it restores from. */
export const accountStoreWriteRestores: Statement = {
  Sid: 'AccountStoreWriteRestores',
  Effect: 'Allow',
  Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
  Resource: 'arn:${AWS::Partition}:s3:::*/runs/*/restores/*',
  Condition: sameAccount,
};

/**
 * Finalize: the manifest (signed: the only role that may), CloudTrail's who/when of each change, in
 * the store and in each copy of the run (a bucket of this account, written and re-read like the
 * store). It deletes nothing: retention is the Retention state's.
 */
export const finalizePolicy: Statement[] = [
  // LookupEvents cannot be scoped to a resource (AWS: Resource "*").
  { Sid: 'AuditChanges', Effect: 'Allow', Action: 'cloudtrail:LookupEvents', Resource: '*' },
  accountStoreList,
  {
    Sid: 'AccountStoreObjects',
    Effect: 'Allow',
    Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
    Resource: storeObjects,
    Condition: sameAccount,
  },
  accountStoreKeys,
  manifestKeyVerify,
  manifestKeySign,
];

/**
 * Retention (the state after Finalize, on the only role the bucket policy lets delete runs/ and
 * blobs/): the run's policy applied to the store and to each copy, asking Object Lock first what it
 * still retains.
 */
export const retentionPolicy: Statement[] = [
  accountStoreList,
  {
    Sid: 'AccountStoreDeleteOutsideRetention',
    Effect: 'Allow',
    // GetObjectRetention/GetObjectLegalHold: without them HeadObject silently omits the lock fields,
    // and a run Object Lock still retains would look deletable.
    Action: ['s3:GetObject', 's3:DeleteObject', 's3:GetObjectRetention', 's3:GetObjectLegalHold'],
    Resource: storeObjects,
    Condition: sameAccount,
  },
  {
    Sid: 'AccountStoreBucketLock',
    Effect: 'Allow',
    Action: 's3:GetBucketObjectLockConfiguration',
    Resource: anyBucket,
    Condition: sameAccount,
  },
  accountStoreKeys,
  manifestKeyVerify,
];

/**
 * What every backup handler does with the store: list, read, write runs/*. The backup key needs no
 * statement here: its key policy names every handler role (through S3, SNS, SQS only), and a key
 * policy that names the role is enough on its own.
 */
export const backupStore = [storeList, storeRead, storeWriteRuns, manifestKeyVerify];
/**
 * What every restore handler does with the store it restores from (the backup bucket or a copy): read
 * it, write its own records there; never change the backup bucket (explicit Deny).
 */
export const restoreStore = [
  accountStoreList,
  accountStoreRead,
  accountStoreWriteRestores,
  accountStoreKeys,
  manifestKeyVerify,
  storeNeverChanged,
];
// ---------------------------------------------------------------- functions and triggers
/**
 * iam:PassRole on exactly `roles` (the deployment's allow-list, never `role/*`), and only to the
 * services the handler hands them to.
 */
export const passRoleTo = (Sid: string, roles: string[], services: string[]): Statement => ({
  Sid,
  Effect: 'Allow',
  Action: 'iam:PassRole',
  Resource: roles,
  Condition: { StringEquals: { 'iam:PassedToService': services } },
});

/** Reading functions and their triggers: the Lambda kind's statement, shared with drill compare and re-wiring. */
export { readFunctionsAndTriggers } from '../src/kinds/lambda-function/stack.js';
export const listTriggerSources: Statement = {
  Sid: 'ListTriggerSources',
  Effect: 'Allow',
  Action: [
    'lambda:ListFunctions',
    'lambda:ListEventSourceMappings',
    'lambda:ListLayerVersions',
    's3:ListAllMyBuckets',
    'events:ListEventBuses',
    // AWS authorizes it on "*" only (no rule resource).
    'events:ListRuleNamesByTarget',
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
  Action: ['events:DescribeRule', 'events:ListTargetsByRule'],
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
