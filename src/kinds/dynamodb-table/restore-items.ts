import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { parseOrThrow } from '../../../schemas/common.js';
import type { TableItemSelection } from '../../../schemas/item-restore.js';
import type { Change, FieldChange } from '../../../schemas/restore.js';
import type { ItemResult } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { mapLimit } from '../../concurrency.js';
import type { RestoreResult } from '../../reconcile/context.js';
import { canonicalJson, partsOf, storedDocument } from '../../reconcile/data.js';
import { notPossible } from '../../reconcile/diff.js';
import { emptyStats, lookupRecords } from '../../reconcile/item-lookup.js';
import { envNumber } from '../shared/pacing.js';
import type { ItemRestoreContext } from '../types.js';
import { canonicalItem, tableShape } from './compare.js';
import { ItemLine, TableConfig } from './format.js';
import { displayKey, primaryKeyText } from './item-keys.js';
import { type ResolvedSelection, resolveSelection } from './item-selection.js';
import { fromJsonItem, type JsonItem, toJsonItem } from './json.js';
import { writeBatch } from './loader.js';
import { createInputFor, createTable, describe } from './target-table.js';

/**
 * Item-level restore of a table: the items with the given primary keys, or those matching a key
 * condition (a partition key and optionally a sort-key condition), into the table or another one; a
 * missing target table is created with the recorded schema first. Only the blocks whose partition-key
 * Bloom filter may hold a wanted key are read (see scan.ts); parts without a lookup document (older
 * runs, AWS's own export files) are read whole.
 *
 * Compare first, per item (GetItem, strongly consistent): missing → create; equal → unchanged;
 * otherwise differs with the attributes that differ, and put over it only with `force`.
 */

const WRITE_BATCH = 25;

/** The attributes whose values differ (sets compared without order), each with both values in DynamoDB JSON. */
function attributeDifferences(stored: JsonItem, live: JsonItem): FieldChange[] {
  const [desired, current] = [canonicalItem(stored), canonicalItem(live)];
  return [...new Set([...Object.keys(desired), ...Object.keys(current)])]
    .sort()
    .filter((name) => canonicalJson(desired[name]) !== canonicalJson(current[name]))
    .map((name) => ({ field: name, current: current[name], desired: desired[name] }));
}

/** The stored items the selection matches, in the order of the parts. */
async function matchingItems(
  context: ItemRestoreContext,
  item: ItemResult,
  resolved: ResolvedSelection,
  stats: ReturnType<typeof emptyStats>,
): Promise<JsonItem[]> {
  const found = new Map<string, JsonItem>();
  const records = lookupRecords(
    context.store,
    item,
    partsOf(item, 'data'),
    { keys: resolved.partitionValues },
    stats,
  );
  for await (const record of records) {
    const line = ItemLine.safeParse(record);
    const stored = line.success
      ? line.data.Item
      : parseOrThrow(ItemLine, record, `item of table ${item.name}`).Item;
    // A key appears once in a consistent picture; a scan that met an item twice keeps its last copy.
    if (resolved.matches(stored)) found.set(primaryKeyText(stored, resolved.names), stored);
  }
  return [...found.values()];
}

/** Restores the selected items of one stored table (see the module comment). */
export async function restoreTableItems(
  item: ItemResult,
  selection: TableItemSelection,
  context: ItemRestoreContext,
): Promise<RestoreResult> {
  const config = parseOrThrow(
    TableConfig,
    await storedDocument<unknown>(context.store, item, 'schema'),
    `schema.json of table ${item.name}`,
  );
  const resolved = resolveSelection(selection, config);
  const stats = emptyStats();
  const items = await matchingItems(context, item, resolved, stats);
  const name = selection.toTable ?? context.mapper.mapName('dynamodb-table', item.name);
  const notes: string[] = [];
  const details = { matched: items.length, lookup: stats };
  const changes: Change[] = [];
  const foundKeys = new Set(items.map((stored) => primaryKeyText(stored, resolved.names)));
  for (const key of resolved.keys)
    if (!foundKeys.has(primaryKeyText(key, resolved.names)))
      changes.push(
        notPossible(`item ${displayKey(key, resolved.names)}`, 'blocked', `not in run ${context.runId}`),
      );
  if (items.length === 0) {
    if (resolved.keys.length === 0)
      changes.push(
        notPossible(`items of table ${item.name}`, 'blocked', `no item of run ${context.runId} matches`),
      );
    return { changes, notes, details };
  }

  const dynamo = client(DynamoDBClient, context.targetRegion);
  const exists = (await describe(dynamo, name)) !== undefined;
  if (!exists) {
    changes.push({ resource: `table ${name}`, action: 'create', note: 'with the recorded schema' });
    if (context.apply)
      await createTable(
        {
          dynamo,
          name,
          config,
          desired: tableShape(config.description, config.timeToLive, config.continuousBackups, config.tags),
          create: createInputFor(config, name, context, notes),
        },
        notes,
      );
  }
  const writes: JsonItem[] = [];
  const compared = await mapLimit(
    items,
    envNumber('TRIGGERVAULT_RESTORE_WRITE_CONCURRENCY', 8),
    async (stored): Promise<Change> => {
      const resource = `item ${displayKey(stored, resolved.names)} of table ${name}`;
      if (!exists) {
        writes.push(stored);
        return { resource, action: 'create' };
      }
      const Key = fromJsonItem(
        Object.fromEntries(
          [resolved.names.partition, resolved.names.sort]
            .filter((attribute): attribute is string => attribute !== undefined)
            .map((attribute) => [attribute, stored[attribute]]),
        ) as JsonItem,
      );
      const live = (await dynamo.send(new GetItemCommand({ TableName: name, Key, ConsistentRead: true })))
        .Item;
      if (!live) {
        writes.push(stored);
        return { resource, action: 'create' };
      }
      const fields = attributeDifferences(stored, toJsonItem(live));
      if (fields.length === 0) return { resource, action: 'unchanged' };
      if (!context.force) return { resource, action: 'differs', fields };
      writes.push(stored);
      return { resource, action: 'update', fields };
    },
  );
  changes.push(...compared);
  if (context.apply)
    for (let start = 0; start < writes.length; start += WRITE_BATCH)
      await writeBatch(dynamo, name, writes.slice(start, start + WRITE_BATCH).map(fromJsonItem));
  return { changes, notes, details };
}
