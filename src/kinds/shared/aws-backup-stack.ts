import type { StackStatement } from '../types.js';

/**
 * What a kind's backup Lambda needs when a policy sends its resources through AWS Backup
 * (docs/policies.md `awsBackup`, src/policy/aws-backup.ts): ensure the vault (with its KMS key and
 * optional Vault Lock), start and poll the backup job and its copy jobs. The job's own role (passed
 * with iam:PassRole, see KindTask.passRoles) reads the resource; this role never does.
 */
export const awsBackupStatements: StackStatement[] = [
  {
    Sid: 'AwsBackupVaultsAndJobs',
    Effect: 'Allow',
    Action: [
      'backup:CreateBackupVault',
      'backup:DescribeBackupVault',
      'backup:PutBackupVaultLockConfiguration',
      'backup:StartBackupJob',
    ],
    Resource: 'arn:${AWS::Partition}:backup:*:${AWS::AccountId}:backup-vault:*',
  },
  {
    Sid: 'AwsBackupCopyJobs',
    Effect: 'Allow',
    Action: 'backup:StartCopyJob',
    Resource: 'arn:${AWS::Partition}:backup:*:${AWS::AccountId}:recovery-point:*',
  },
  // DescribeBackupJob/DescribeCopyJob take a job id, which IAM cannot name; CreateBackupVault needs
  // backup-storage:MountCapsule, which has no resource either.
  {
    Sid: 'AwsBackupJobStatus',
    Effect: 'Allow',
    Action: ['backup:DescribeBackupJob', 'backup:DescribeCopyJob', 'backup-storage:MountCapsule'],
    Resource: '*',
  },
  // A vault encrypted with a key of the account: AWS Backup uses it through grants.
  {
    Sid: 'AwsBackupVaultKey',
    Effect: 'Allow',
    Action: ['kms:CreateGrant', 'kms:GenerateDataKey', 'kms:Decrypt', 'kms:RetireGrant', 'kms:DescribeKey'],
    Resource: 'arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*',
    Condition: { StringLike: { 'kms:ViaService': 'backup.*.amazonaws.com' } },
  },
];
