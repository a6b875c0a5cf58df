import { awsBackupStatements } from '../shared/aws-backup-stack.js';
import { recoveryPointPassRoles, recoveryPointRestore } from '../shared/stack.js';
import type { KindStack } from '../types.js';

/** Scratch copies of a drill carry its suffix (-drill-<6 hex>, DRILL_SUFFIX). */
const scratchTables = 'arn:${AWS::Partition}:dynamodb:*:${AWS::AccountId}:table/*-drill-*';
const accountTables = 'arn:${AWS::Partition}:dynamodb:*:${AWS::AccountId}:table/*';
/** What a backup reads of a table (and a drill of its scratch copy). */
const readTable = [
  'dynamodb:DescribeTable',
  'dynamodb:DescribeTimeToLive',
  'dynamodb:DescribeContinuousBackups',
  'dynamodb:ListTagsOfResource',
  'dynamodb:Scan',
];

/** dynamodb-table: configuration and items (native export, or a checkpointed scan), restored by import or writes. */
export const dynamodbTableStack: KindStack = {
  backup: {
    description: 'triggervault - export one DynamoDB table (native export or checkpointed scan)',
    memorySize: 1769,
    timeout: 900,
    statements: [
      // A native export writes into runs/<id>/artifacts/... with this role's rights.
      {
        Sid: 'NativeExportWritesIntoStore',
        Effect: 'Allow',
        Action: 's3:PutObjectAcl',
        Resource: '${BackupBucket.Arn}/runs/*',
      },
      {
        Sid: 'ReadTables',
        Effect: 'Allow',
        Action: [...readTable, 'dynamodb:ExportTableToPointInTime'],
        Resource: accountTables,
      },
      {
        Sid: 'ReadExports',
        Effect: 'Allow',
        Action: 'dynamodb:DescribeExport',
        Resource: 'arn:${AWS::Partition}:dynamodb:*:${AWS::AccountId}:table/*/export/*',
      },
      {
        Sid: 'ListTablesAndExports',
        Effect: 'Allow',
        Action: ['dynamodb:ListTables', 'dynamodb:ListExports'],
        Resource: '*',
      },
      ...awsBackupStatements,
    ],
    passRoles: [{ roles: 'awsBackup', to: ['backup.amazonaws.com'] }],
  },
  restore: {
    description: 'triggervault restore - one DynamoDB table with its items (import or checkpointed writes)',
    memorySize: 1769,
    timeout: 900,
    roleNote: 'creates tables and loads their items',
    statements: [
      {
        Sid: 'WriteTables',
        Effect: 'Allow',
        Action: [
          'dynamodb:CreateTable',
          'dynamodb:UpdateTable',
          'dynamodb:UpdateTimeToLive',
          'dynamodb:UpdateContinuousBackups',
          'dynamodb:TagResource',
          'dynamodb:UntagResource',
          'dynamodb:BatchWriteItem',
          'dynamodb:ImportTable',
          // A failed import leaves the table it created: it is deleted before the write-based fallback.
          'dynamodb:DeleteTable',
          'dynamodb:DescribeTable',
          'dynamodb:DescribeTimeToLive',
          'dynamodb:DescribeContinuousBackups',
          'dynamodb:ListTagsOfResource',
          'dynamodb:Scan',
        ],
        Resource: accountTables,
      },
      {
        Sid: 'ReadImports',
        Effect: 'Allow',
        Action: 'dynamodb:DescribeImport',
        Resource: 'arn:${AWS::Partition}:dynamodb:*:${AWS::AccountId}:table/*/import/*',
      },
      // A table encrypted with a customer-managed key of the account: DynamoDB uses it through grants.
      {
        Sid: 'TableKeys',
        Effect: 'Allow',
        Action: ['kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: 'arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*',
        Condition: { StringLike: { 'kms:ViaService': 'dynamodb.*.amazonaws.com' } },
      },
      // ImportTable logs its errors to CloudWatch Logs with the caller's rights, under /aws-dynamodb/.
      {
        Sid: 'ImportTableLogs',
        Effect: 'Allow',
        Action: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'logs:PutRetentionPolicy',
          'logs:DescribeLogStreams',
        ],
        Resource: 'arn:${AWS::Partition}:logs:*:${AWS::AccountId}:log-group:/aws-dynamodb/*',
      },
      // ImportTable looks for its log group first; DescribeLogGroups names no resource.
      { Sid: 'ImportTableLogGroups', Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
      ...recoveryPointRestore,
    ],
    passRoles: recoveryPointPassRoles,
  },
  // The drill's scratch copies (their names carry -drill-<6 hex>): read to compare, deleted by the cleanup.
  shared: {
    drillCompare: [
      {
        Sid: 'ReadTables',
        Effect: 'Allow',
        Action: readTable,
        Resource: scratchTables,
      },
    ],
    drillCleanup: [
      {
        Sid: 'DeleteScratchTables',
        Effect: 'Allow',
        // UpdateTable turns deletion protection off first.
        Action: ['dynamodb:DescribeTable', 'dynamodb:UpdateTable', 'dynamodb:DeleteTable'],
        Resource: scratchTables,
      },
    ],
  },
};
