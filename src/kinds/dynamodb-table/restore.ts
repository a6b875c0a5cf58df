import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { parseOrThrow } from '../../../schemas/common.js';
import type { Change } from '../../../schemas/restore.js';
import type { ItemResult } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { ifExists } from '../../aws/errors.js';
import type { RestoreContext, RestoreResult } from '../../reconcile/context.js';
import {
  countOf,
  type DataPlan,
  decideData,
  partsOf,
  runDataRestore,
  START,
  storedDocument,
} from '../../reconcile/data.js';
import { diffFields } from '../../reconcile/diff.js';
import { configChange, isFixed, liveItems, liveTableShape, storedItems, tableShape } from './compare.js';
import { LoadPosition, TableConfig } from './format.js';
import { followImport, startImport } from './import-table.js';
import { writeItems } from './loader.js';
import { isNativeExport } from './parts.js';
import { converge, createInputFor, createTable, describe, type Target } from './target-table.js';

/**
 * Restores a DynamoDB table from its schema.json and data parts. A missing table is created with the
 * recorded schema (keys, attribute definitions, GSIs and LSIs, billing mode and throughput, stream,
 * SSE, table class, deletion protection, tags), waited for, and given its TTL and PITR settings.
 * Data from a native export is imported with ImportTable when the table is new and has no LSIs
 * (ImportTable cannot create them); otherwise, and if an import fails, items are written from the
 * parts with BatchWriteItem: 25 per request, several requests in flight, UnprocessedItems retried
 * with backoff, the parts streamed (never the whole table in memory), resumable between calls.
 *
 * An existing table is compared first: schema and settings field by field, items by count and an
 * order-independent checksum. Items are written into a table that already holds items only with
 * `force`, and then over it: every backed-up item is put (replacing the item with the same key),
 * items the backup does not have stay.
 */

/** Restores one table (schema, settings and items) into `context.targetRegion`. */
export async function restoreTable(item: ItemResult, context: RestoreContext): Promise<RestoreResult> {
  const { store } = context;
  const name = context.mapper.mapName('dynamodb-table', item.name);
  const dynamo = client(DynamoDBClient, context.targetRegion);
  const parts = partsOf(item, 'data');
  const stored = countOf(item, 'data', 'items');
  const itemsResource = `items of table ${name}`;
  let target: Target | undefined;
  const targetOf = async (notes: string[]): Promise<Target> => {
    if (target) return target;
    const config = parseOrThrow(
      TableConfig,
      await storedDocument<unknown>(store, item, 'schema'),
      `schema.json of table ${item.name}`,
    );
    target = {
      dynamo,
      name,
      config,
      desired: tableShape(config.description, config.timeToLive, config.continuousBackups, config.tags),
      create: createInputFor(config, name, context, notes),
    };
    return target;
  };

  const plan = async (): Promise<DataPlan<LoadPosition>> => {
    const notes: string[] = [];
    const details = { items: stored, method: isNativeExport(parts) ? 'export' : 'scan' };
    const notCaptured = item.summary?.notCaptured;
    if (Array.isArray(notCaptured) && notCaptured.includes('data'))
      notes.push(`run ${context.runId} captured the configuration only: no items to restore`);
    const table = await targetOf(notes);
    const found = await describe(dynamo, name);
    if (!found) {
      const importable = isNativeExport(parts) && store.s3 && !table.create.LocalSecondaryIndexes?.length;
      const changes: Change[] = [
        { resource: `table ${name}`, action: 'create' },
        {
          resource: itemsResource,
          action: stored > 0 ? 'create' : 'unchanged',
          ...(stored > 0
            ? { note: importable ? `${stored} items, with ImportTable` : `${stored} items` }
            : {}),
        },
      ];
      if (!context.apply) return { changes, notes, details };
      if (importable) {
        const importArn = await startImport(table, store, parts, context);
        if (importArn) return { changes, notes, details, load: { mode: 'import', importArn } };
      }
      await createTable(table, notes);
      return { changes, notes, details, load: parts.length ? { mode: 'write', ...START } : undefined };
    }
    const fields = diffFields(await liveTableShape(dynamo, found), table.desired);
    const fixed = fields.filter((field) => isFixed(field.field));
    const config = configChange(`table ${name}`, fields, fixed, context.force);
    if (config.action === 'update' && context.apply)
      await converge(
        table,
        fields.map((field) => field.field),
      );
    const empty = await ifExists(() => dynamo.send(new ScanCommand({ TableName: name, Limit: 1 })));
    const data = await decideData(context, {
      resource: itemsResource,
      empty: !empty?.Items?.length && !empty?.LastEvaluatedKey,
      stored,
      compare: async () => {
        const [live, backup] = await Promise.all([liveItems(dynamo, name), storedItems(store, parts)]);
        Object.assign(details, { checksum: backup.checksum });
        return diffFields(live, backup);
      },
      note: stored > 0 ? `${stored} items` : undefined,
    });
    return {
      changes: [config, data.change],
      notes,
      details,
      load: data.load && parts.length ? { mode: 'write', ...START } : undefined,
    };
  };

  const step = async (
    from: LoadPosition,
    planned: DataPlan<LoadPosition>,
  ): Promise<LoadPosition | undefined> => {
    let position: LoadPosition | undefined = from;
    if (position.mode === 'import')
      position = await followImport(
        await targetOf(planned.notes),
        position.importArn,
        parts,
        store,
        planned.notes,
        context.deadline,
      );
    if (position?.mode !== 'write') return position;
    const next = await writeItems(dynamo, name, store, parts, position, context.deadline);
    return next && { mode: 'write', ...next };
  };

  return runDataRestore(context, LoadPosition, plan, step);
}
