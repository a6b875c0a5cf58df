import { selectionOf } from '../../../schemas/item-restore.js';
import type { ResourceKind } from '../types.js';
import { backupTable } from './backup-step.js';
import { discoverTables, wiredTables } from './discover.js';
import { tableArn, tableTags } from './policy.js';
import { restoreTable } from './restore.js';
import { restoreTableItems } from './restore-items.js';
import { dynamodbTableStack } from './stack.js';
import { tableTeardown } from './teardown.js';

/**
 * The DynamoDB table kind: backup (schema.json, then a native export or a segmented scan), restore
 * (compare first, create or converge, ImportTable or BatchWriteItem), and what the orchestration asks
 * of it (discovery, wired tables, tags, the AWS Backup ARN, drill teardown, ARN names).
 */
export const dynamodbTable: ResourceKind = {
  stack: dynamodbTableStack,
  kind: 'dynamodb-table',
  nameKind: 'dynamodb-table',
  restoreTier: 'data',
  // arn:aws:dynamodb:REGION:ACCOUNT:table/NAME[/stream/LABEL | /index/NAME | /export/ID …]
  arnNames: [{ nameKind: 'dynamodb-table', service: 'dynamodb', resource: /^table[:/]([^:/]*)/ }],
  discover: discoverTables,
  wiredTo: wiredTables,
  backup: backupTable,
  restore: restoreTable,
  restoreItems: (item, selection, context) =>
    restoreTableItems(item, selectionOf('dynamodb-table', selection), context),
  tags: tableTags,
  awsBackupArn: tableArn,
  teardown: tableTeardown,
  data: { unit: 'items' },
};
