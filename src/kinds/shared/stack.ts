import type { KindTask, StackStatement } from '../types.js';

/**
 * What a restore Lambda of a kind AWS Backup protects (tables, buckets) needs to restore from a
 * recovery point the run recorded (src/policy/aws-backup-restore.ts): read the point's restore
 * metadata, start the restore job with the run's AWS Backup role, and follow it.
 */
export const recoveryPointRestore: StackStatement[] = [
  {
    Sid: 'RestoreFromRecoveryPoints',
    Effect: 'Allow',
    Action: ['backup:GetRecoveryPointRestoreMetadata', 'backup:StartRestoreJob'],
    Resource: [
      'arn:${AWS::Partition}:backup:*:${AWS::AccountId}:recovery-point:*',
      // DynamoDB backups AWS Backup does not fully manage are named by DynamoDB.
      'arn:${AWS::Partition}:dynamodb:*:${AWS::AccountId}:table/*/backup/*',
    ],
  },
  // DescribeRestoreJob has no resource-level permissions.
  { Sid: 'FollowRestoreJobs', Effect: 'Allow', Action: 'backup:DescribeRestoreJob', Resource: '*' },
];

/** The run's AWS Backup role (the policies' roles only, never role/*), handed to AWS Backup only. */
export const recoveryPointPassRoles: NonNullable<KindTask['passRoles']> = [
  { roles: 'awsBackup', to: ['backup.amazonaws.com'] },
];
