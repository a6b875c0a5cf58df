import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { client } from '../../aws/clients.js';
import { selectNames } from '../../glob.js';
import type { Wiring } from '../types.js';

/** Which tables a run backs up in a region: those its patterns select, and those functions are wired to. */

/** The names of the region's tables that match `patterns` (none for no patterns). */
export async function discoverTables(
  region: string,
  { patterns }: { patterns: string[] },
): Promise<string[]> {
  if (patterns.length === 0) return [];
  const dynamo = client(DynamoDBClient, region);
  const names: string[] = [];
  let ExclusiveStartTableName: string | undefined;
  do {
    const page = await dynamo.send(new ListTablesCommand({ ExclusiveStartTableName }));
    names.push(...(page.TableNames ?? []));
    ExclusiveStartTableName = page.LastEvaluatedTableName;
  } while (ExclusiveStartTableName);
  return selectNames(names, patterns);
}

/**
 * The tables of the region whose streams feed a function: the event sources of its event-source
 * mappings (`arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL`) in `wiring.region`.
 */
export async function wiredTables(wiring: Wiring): Promise<string[]> {
  const tables = new Set<string>();
  for (const source of await wiring.mappingSources()) {
    const [, , service, sourceRegion, , resource = ''] = source.split(':');
    if (sourceRegion !== wiring.region) continue;
    if (service === 'dynamodb') tables.add(resource.split('/')[1] ?? '');
  }
  tables.delete('');
  return [...tables];
}
