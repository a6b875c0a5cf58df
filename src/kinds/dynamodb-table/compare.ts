import {
  DescribeContinuousBackupsCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ListTagsOfResourceCommand,
  paginateScan,
  type TableDescription,
  type Tag,
  type TimeToLiveDescription,
} from '@aws-sdk/client-dynamodb';
import type { Change, FieldChange } from '../../../schemas/restore.js';
import { paginate } from '../../aws/paginate.js';
import { canonicalJson, Tally } from '../../reconcile/data.js';
import type { BackupStore } from '../../store/store.js';
import { envNumber } from '../shared/pacing.js';
import { type JsonAttributeValue, type JsonItem, toJsonItem } from './json.js';
import { storedItemsFrom } from './parts.js';

/**
 * Compare-first for a table: the comparable shape of its schema and settings (the same for the
 * recorded table and a live one), which of its fields a restore can change in place, and its items
 * by count and an order-independent checksum (stored parts against a live parallel Scan).
 */

/** Settings a restore can change on an existing table (UpdateTable, TTL, PITR, tags); keys and indexes it cannot. */
export const UPDATABLE = new Set([
  'BillingMode',
  'ProvisionedThroughput',
  'StreamSpecification',
  'SSE',
  'TableClass',
  'DeletionProtectionEnabled',
  'TimeToLive',
  'PointInTimeRecovery',
  'Tags',
]);

/** True when a field (`Name` or `Name.sub…`) is one a restore cannot change in place. */
export const isFixed = (field: string) => !UPDATABLE.has(field.split('.')[0] as string);

const byName =
  <T>(key: keyof T) =>
  (a: T, b: T) =>
    String(a[key]).localeCompare(String(b[key]));
export const tagRecord = (tags: Tag[]): Record<string, string> =>
  Object.fromEntries(tags.map((tag) => [tag.Key ?? '', tag.Value ?? '']));

/**
 * The comparable picture of a table (from DescribeTable plus TTL, PITR and tags), the same for the
 * recorded table and a live one: what AWS generates (ARNs, sizes, dates, statuses) is left out.
 */
export function tableShape(
  table: TableDescription,
  ttl: TimeToLiveDescription | null | undefined,
  backups: { PointInTimeRecoveryDescription?: { PointInTimeRecoveryStatus?: string } } | null | undefined,
  tags: Tag[],
): Record<string, unknown> {
  const provisioned = table.BillingModeSummary?.BillingMode !== 'PAY_PER_REQUEST';
  const throughput = (t?: { ReadCapacityUnits?: number; WriteCapacityUnits?: number }) =>
    provisioned
      ? { ReadCapacityUnits: t?.ReadCapacityUnits, WriteCapacityUnits: t?.WriteCapacityUnits }
      : null;
  const projection = (p?: { ProjectionType?: string; NonKeyAttributes?: string[] }) => ({
    ProjectionType: p?.ProjectionType,
    NonKeyAttributes: p?.NonKeyAttributes ? [...p.NonKeyAttributes].sort() : undefined,
  });
  const stream = table.StreamSpecification;
  const sse = table.SSEDescription;
  const ttlOn = ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING';
  return {
    KeySchema: table.KeySchema,
    AttributeDefinitions: [...(table.AttributeDefinitions ?? [])].sort(byName('AttributeName')),
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ProvisionedThroughput: throughput(table.ProvisionedThroughput),
    GlobalSecondaryIndexes: (table.GlobalSecondaryIndexes ?? [])
      .map((index) => ({
        IndexName: index.IndexName,
        KeySchema: index.KeySchema,
        Projection: projection(index.Projection),
        ProvisionedThroughput: throughput(index.ProvisionedThroughput),
      }))
      .sort(byName('IndexName')),
    LocalSecondaryIndexes: (table.LocalSecondaryIndexes ?? [])
      .map((index) => ({
        IndexName: index.IndexName,
        KeySchema: index.KeySchema,
        Projection: projection(index.Projection),
      }))
      .sort(byName('IndexName')),
    StreamSpecification: stream?.StreamEnabled
      ? { StreamEnabled: true, StreamViewType: stream.StreamViewType }
      : { StreamEnabled: false },
    SSE: sse?.Status === 'ENABLED' || sse?.Status === 'ENABLING' ? (sse.SSEType ?? 'KMS') : 'DEFAULT',
    TableClass: table.TableClassSummary?.TableClass ?? 'STANDARD',
    DeletionProtectionEnabled: table.DeletionProtectionEnabled ?? false,
    TimeToLive: ttlOn ? (ttl?.AttributeName ?? null) : null,
    PointInTimeRecovery: backups?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === 'ENABLED',
    Tags: tagRecord(tags),
  };
}

/** The picture of a live table (see `tableShape`). */
export async function liveTableShape(dynamo: DynamoDBClient, table: TableDescription) {
  const name = table.TableName as string;
  const tags = await paginate(async (NextToken) => {
    const page = await dynamo.send(new ListTagsOfResourceCommand({ ResourceArn: table.TableArn, NextToken }));
    return { items: page.Tags, next: page.NextToken };
  });
  const [ttl, backups] = await Promise.all([
    dynamo.send(new DescribeTimeToLiveCommand({ TableName: name })),
    dynamo.send(new DescribeContinuousBackupsCommand({ TableName: name })),
  ]);
  return tableShape(table, ttl.TimeToLiveDescription, backups.ContinuousBackupsDescription, tags);
}

/** The configuration's change: keys and indexes cannot be changed in place, so `force` makes those manual. */
export function configChange(
  resource: string,
  fields: FieldChange[],
  fixed: FieldChange[],
  force: boolean,
): Change {
  if (fields.length === 0) return { resource, action: 'unchanged' };
  if (!force) return { resource, action: 'differs', fields };
  if (fixed.length)
    return {
      resource,
      action: 'manual',
      fields,
      note: `${fixed.map((field) => field.field).join(', ')} cannot change in place: re-create the table`,
    };
  return { resource, action: 'update', fields };
}

/** DynamoDB JSON with every set sorted: sets have no order, so equal items give equal texts. */
function sortedSets(value: JsonAttributeValue): JsonAttributeValue {
  if ('SS' in value) return { SS: [...value.SS].sort() };
  if ('NS' in value) return { NS: [...value.NS].sort() };
  if ('BS' in value) return { BS: [...value.BS].sort() };
  if ('M' in value) return { M: canonicalItem(value.M) };
  if ('L' in value) return { L: value.L.map(sortedSets) };
  return value;
}
/** An item with every set sorted (see `sortedSets`): equal items are deeply equal. */
export const canonicalItem = (item: JsonItem): JsonItem =>
  Object.fromEntries(Object.entries(item).map(([name, value]) => [name, sortedSets(value)]));
const addItem = (tally: Tally, item: JsonItem) => tally.add(canonicalJson(canonicalItem(item)));

/** Count and checksum of the items in the parts. */
export async function storedItems(store: BackupStore, parts: string[]) {
  const tally = new Tally();
  for await (const { value } of storedItemsFrom(store, parts)) addItem(tally, value.Item);
  return { items: tally.count, checksum: tally.checksum };
}

/** Count and checksum of a live table's items: a parallel segmented Scan. */
export async function liveItems(dynamo: DynamoDBClient, table: string) {
  const tally = new Tally();
  const TotalSegments = envNumber('TRIGGERVAULT_RESTORE_SCAN_SEGMENTS', 4);
  await Promise.all(
    Array.from({ length: TotalSegments }, async (_, Segment) => {
      for await (const page of paginateScan(
        { client: dynamo },
        { TableName: table, Segment, TotalSegments, ConsistentRead: true },
      ))
        for (const item of page.Items ?? []) addItem(tally, toJsonItem(item));
    }),
  );
  return { items: tally.count, checksum: tally.checksum };
}
