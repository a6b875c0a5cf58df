import {
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { client } from '../../aws/clients.js';
import { ifExists } from '../../aws/errors.js';
import type { Deletion } from '../types.js';

/** Drill cleanup of a scratch table: deletion protection off, then the table. */

/** Deletes a table, turning its deletion protection off first; false when there was no table. */
async function deleteTable(region: string, TableName: string): Promise<boolean> {
  const dynamo = client(DynamoDBClient, region);
  const found = await ifExists(() => dynamo.send(new DescribeTableCommand({ TableName })));
  if (!found) return false;
  if (found.Table?.DeletionProtectionEnabled)
    await dynamo.send(new UpdateTableCommand({ TableName, DeletionProtectionEnabled: false }));
  await dynamo.send(new DeleteTableCommand({ TableName }));
  return true;
}

/** The deletions that remove the scratch table `name` (see `ResourceKind.teardown`). */
export async function tableTeardown(region: string, name: string): Promise<Deletion[]> {
  return [{ resource: `table ${name}`, remove: () => deleteTable(region, name) }];
}
