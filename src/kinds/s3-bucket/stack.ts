import { awsBackupStatements } from '../shared/aws-backup-stack.js';
import { recoveryPointPassRoles, recoveryPointRestore } from '../shared/stack.js';
import type { KindStack } from '../types.js';

/** Scratch copies of a drill carry its suffix (-drill-<6 hex>, DRILL_SUFFIX). */
const scratchBuckets = 'arn:${AWS::Partition}:s3:::*-drill-*';
const anyBucket = 'arn:${AWS::Partition}:s3:::*';
const anyObject = 'arn:${AWS::Partition}:s3:::*/*';
const accountKeys = 'arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*';
/** Buckets are global: `arn:aws:s3:::*` is limited to this account's buckets by this condition. */
const sameAccount = { StringEquals: { 'aws:ResourceAccount': '${AWS::AccountId}' } };
/** What a restore compares of a bucket's configuration (and a drill of its scratch copy). */
const readBucketConfig = [
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
];

/** s3-bucket: configuration and objects, copied into content-addressed blobs (checkpointed). */
export const s3BucketStack: KindStack = {
  backup: {
    description: 'triggervault - copy one S3 bucket into the backup store (checkpointed)',
    memorySize: 1769,
    timeout: 900,
    store: ['blobs'],
    // ReadSourceBuckets/ReadSourceObjects read the store bucket too (this account's buckets).
    storeCovered: true,
    statements: [
      // Server-side copies keep the source object's tags (TaggingDirective COPY).
      {
        Sid: 'StoreCopiedObjectTags',
        Effect: 'Allow',
        Action: 's3:PutObjectTagging',
        Resource: '${BackupBucket.Arn}/blobs/*',
      },
      {
        Sid: 'ReadSourceBuckets',
        Effect: 'Allow',
        Action: [
          's3:ListBucket',
          's3:ListBucketVersions',
          's3:GetBucket*',
          's3:GetEncryptionConfiguration',
          's3:GetLifecycleConfiguration',
          's3:GetReplicationConfiguration',
          's3:GetIntelligentTieringConfiguration',
        ],
        Resource: anyBucket,
        Condition: sameAccount,
      },
      {
        Sid: 'ReadSourceObjects',
        Effect: 'Allow',
        Action: 's3:GetObject*',
        Resource: anyObject,
        Condition: sameAccount,
      },
      { Sid: 'ListBuckets', Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
      // Objects encrypted with a customer-managed key of the account are read through S3.
      {
        Sid: 'DecryptSourceObjects',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: accountKeys,
        Condition: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } },
      },
      ...awsBackupStatements,
    ],
    passRoles: [{ roles: 'awsBackup', to: ['backup.amazonaws.com'] }],
  },
  restore: {
    description: 'triggervault restore - one S3 bucket with its objects (checkpointed)',
    memorySize: 1769,
    timeout: 900,
    roleNote: 'creates buckets and copies their objects back',
    // WriteBuckets/WriteObjects list, read and write any bucket of this account, the store included.
    storeCovered: true,
    statements: [
      {
        Sid: 'WriteBuckets',
        Effect: 'Allow',
        Action: [
          's3:CreateBucket',
          's3:PutBucketCORS',
          's3:PutEncryptionConfiguration',
          's3:PutLifecycleConfiguration',
          's3:PutBucketOwnershipControls',
          's3:PutBucketPolicy',
          's3:DeleteBucketPolicy',
          's3:PutBucketTagging',
          's3:PutBucketVersioning',
          's3:PutBucketPublicAccessBlock',
          's3:PutBucketObjectLockConfiguration',
          ...readBucketConfig,
        ],
        Resource: anyBucket,
        Condition: sameAccount,
      },
      // DeleteObject: an object whose copied bytes do not hash to the backup's is removed at once
      // (restore-objects.ts): never left looking restored.
      {
        Sid: 'WriteObjects',
        Effect: 'Allow',
        Action: [
          's3:PutObject',
          's3:DeleteObject',
          's3:PutObjectTagging',
          's3:AbortMultipartUpload',
          's3:GetObject',
          's3:GetObjectTagging',
        ],
        Resource: anyObject,
        Condition: sameAccount,
      },
      // Encrypted buckets of the account: data keys through S3 only.
      {
        Sid: 'EncryptRestoredData',
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: accountKeys,
        Condition: { StringLike: { 'kms:ViaService': ['s3.*.amazonaws.com'] } },
      },
      ...recoveryPointRestore,
    ],
    passRoles: recoveryPointPassRoles,
  },
  // The drill's scratch copies (their names carry -drill-<6 hex>): read to compare, deleted by the cleanup.
  shared: {
    drillCompare: [
      {
        Sid: 'ReadBuckets',
        Effect: 'Allow',
        Action: [...readBucketConfig, 's3:GetBucketNotification'],
        Resource: scratchBuckets,
        Condition: sameAccount,
      },
      {
        Sid: 'ReadObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectTagging'],
        Resource: `${scratchBuckets}/*`,
        Condition: sameAccount,
      },
    ],
    drillCleanup: [
      {
        Sid: 'EmptyScratchBuckets',
        Effect: 'Allow',
        Action: ['s3:ListBucketVersions', 's3:DeleteBucket'],
        Resource: scratchBuckets,
        Condition: sameAccount,
      },
      {
        Sid: 'DeleteScratchObjects',
        Effect: 'Allow',
        Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        Resource: `${scratchBuckets}/*`,
        Condition: sameAccount,
      },
    ],
  },
};
