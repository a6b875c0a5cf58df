import { DescribeTableCommand, DynamoDBClient, ListTagsOfResourceCommand } from '@aws-sdk/client-dynamodb';
import { client } from '../../aws/clients.js';
import { TriggervaultError } from '../../errors.js';
import { tagRecord } from './compare.js';

/** What policies read about a table: its tags (they select by tags) and the ARN AWS Backup protects. */

/** A table's tags (one ListTagsOfResource page, as policies have always read them). */
export async function tableTags(region: string, name: string): Promise<Record<string, string>> {
  const dynamo = client(DynamoDBClient, region);
  const table = await dynamo.send(new DescribeTableCommand({ TableName: name }));
  const response = await dynamo.send(new ListTagsOfResourceCommand({ ResourceArn: table.Table?.TableArn }));
  return tagRecord(response.Tags ?? []);
}

/** The table's ARN, which AWS Backup's StartBackupJob takes. */
export async function tableArn(region: string, name: string): Promise<string> {
  const table = await client(DynamoDBClient, region).send(new DescribeTableCommand({ TableName: name }));
  if (!table.Table?.TableArn) throw new TriggervaultError(`table ${name}: DescribeTable returned no ARN`);
  return table.Table.TableArn;
}
