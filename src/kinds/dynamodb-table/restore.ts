import {
  BatchWriteItemCommand,
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeImportCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ImportTableCommand,
  ListTagsOfResourceCommand,
  paginateScan,
  ScanCommand,
  type TableDescription,
  type Tag,
  TagResourceCommand,
  type TimeToLiveDescription,
  UntagResourceCommand,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type WriteRequest,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import type { Change, FieldChange } from '../../../schemas/restore.js';
import type { ItemResult } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { ifExists, isThrottle } from '../../aws/errors.js';
import { paginate } from '../../aws/paginate.js';
import { TransientAwsError } from '../../errors.js';
import type { RestoreContext, RestoreResult } from '../../reconcile/context.js';
import {
  canonicalJson,
  countOf,
  type DataPlan,
  decideData,
  PartPosition,
  partsOf,
  recordsFrom,
  runDataRestore,
  START,
  storedDocument,
  Tally,
} from '../../reconcile/data.js';
import { diffFields } from '../../reconcile/diff.js';
import { sha256Hex } from '../../store/hashing.js';
import type { BackupStore } from '../../store/store.js';
import { Backoff, envNumber, mapOrdered, sleep } from '../shared/pacing.js';
import type { TableConfig } from './backup.js';
import { fromJsonItem, type Item, type JsonAttributeValue, type JsonItem, toJsonItem } from './json.js';

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

const WRITE_BATCH = 25;
const MAX_WRITE_ATTEMPTS = 12;
const STOPPED = Symbol('stopped');

const Position = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('import'), importArn: z.string().min(1) }),
  PartPosition.extend({ mode: z.literal('write') }),
]);
type Position = z.infer<typeof Position>;

/** Settings a restore can change on an existing table (UpdateTable, TTL, PITR, tags); keys and indexes it cannot. */
const UPDATABLE = new Set([
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

const byName =
  <T>(key: keyof T) =>
  (a: T, b: T) =>
    String(a[key]).localeCompare(String(b[key]));
const tagRecord = (tags: Tag[]): Record<string, string> =>
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

/** DynamoDB JSON with every set sorted: sets have no order, so equal items give equal texts. */
function sortedSets(value: JsonAttributeValue): JsonAttributeValue {
  if ('SS' in value) return { SS: [...value.SS].sort() };
  if ('NS' in value) return { NS: [...value.NS].sort() };
  if ('BS' in value) return { BS: [...value.BS].sort() };
  if ('M' in value) return { M: canonicalItem(value.M) };
  if ('L' in value) return { L: value.L.map(sortedSets) };
  return value;
}
const canonicalItem = (item: JsonItem): JsonItem =>
  Object.fromEntries(Object.entries(item).map(([name, value]) => [name, sortedSets(value)]));
const addItem = (tally: Tally, item: JsonItem) => tally.add(canonicalJson(canonicalItem(item)));

/** Count and checksum of the items in the parts. */
async function storedItems(store: BackupStore, parts: string[]) {
  const tally = new Tally();
  for await (const { value } of recordsFrom<{ Item: JsonItem }>(store, parts)) addItem(tally, value.Item);
  return { items: tally.count, checksum: tally.checksum };
}

/** Count and checksum of a live table's items: a parallel segmented Scan. */
async function liveItems(dynamo: DynamoDBClient, table: string) {
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

/**
 * One BatchWriteItem of up to 25 puts, repeated with backoff (jittered, growing) for what DynamoDB
 * leaves unprocessed or throttles, until everything is written.
 */
export async function writeBatch(dynamo: DynamoDBClient, table: string, items: Item[]): Promise<void> {
  let requests: WriteRequest[] = items.map((Item) => ({ PutRequest: { Item } }));
  const backoff = new Backoff();
  for (let attempt = 1; ; attempt += 1) {
    try {
      const response = await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
      requests = response.UnprocessedItems?.[table] ?? [];
    } catch (error) {
      if (!isThrottle(error)) throw error;
    }
    if (requests.length === 0) return;
    if (attempt >= MAX_WRITE_ATTEMPTS)
      throw new TransientAwsError(
        `${table}: ${requests.length} items still unprocessed after ${attempt} attempts`,
      );
    await sleep(backoff.next());
  }
}

async function* batchesOf(store: BackupStore, parts: string[], from: PartPosition) {
  let items: Item[] = [];
  let next = from;
  for await (const record of recordsFrom<{ Item: JsonItem }>(store, parts, from)) {
    items.push(fromJsonItem(record.value.Item));
    next = record.next;
    if (items.length === WRITE_BATCH) {
      yield { items, next };
      items = [];
    }
  }
  if (items.length) yield { items, next };
}

/**
 * Writes the parts' items from `from` on, several batches in flight; stops starting batches at
 * `deadline` and returns where to continue, or undefined when every item is written. A batch written
 * twice (a call retried after a crash) puts the same items again: harmless.
 */
export async function writeItems(
  dynamo: DynamoDBClient,
  table: string,
  store: BackupStore,
  parts: string[],
  from: PartPosition,
  deadline: number,
): Promise<PartPosition | undefined> {
  const concurrency = envNumber('TRIGGERVAULT_RESTORE_WRITE_CONCURRENCY', 8);
  let position = from;
  let started = 0;
  const writes = mapOrdered(
    batchesOf(store, parts, from),
    concurrency,
    async (batch) => {
      // The first batch always starts: every call makes progress, however late it starts.
      if (started++ > 0 && Date.now() >= deadline) return STOPPED;
      await writeBatch(dynamo, table, batch.items);
      return batch.next;
    },
    concurrency * 2,
  );
  for await (const written of writes) {
    if (written === STOPPED) return position;
    position = written;
  }
  return undefined;
}

const waitActive = (dynamo: DynamoDBClient, TableName: string) =>
  waitUntilTableExists({ client: dynamo, maxWaitTime: 600, minDelay: 1, maxDelay: 10 }, { TableName });

async function describe(dynamo: DynamoDBClient, name: string): Promise<TableDescription | undefined> {
  const found = await ifExists(() => dynamo.send(new DescribeTableCommand({ TableName: name })));
  return found?.Table;
}

interface Target {
  dynamo: DynamoDBClient;
  name: string;
  config: TableConfig;
  desired: Record<string, unknown>;
  create: CreateTableCommandInput;
}

/**
 * Brings the updatable settings of an existing (or just created or imported) table to the backup's,
 * one UpdateTable at a time (DynamoDB allows one kind of change per call), waiting for ACTIVE after each.
 */
async function converge(target: Target, fields: string[]): Promise<void> {
  const { dynamo, name, desired, create } = target;
  const wanted = new Set(fields.map((field) => field.split('.')[0]));
  const update = async (input: Omit<ConstructorParameters<typeof UpdateTableCommand>[0], 'TableName'>) => {
    await dynamo.send(new UpdateTableCommand({ TableName: name, ...input }));
    await waitActive(dynamo, name);
  };
  const live = await describe(dynamo, name);
  if (wanted.has('BillingMode') || wanted.has('ProvisionedThroughput'))
    await update({ BillingMode: create.BillingMode, ProvisionedThroughput: create.ProvisionedThroughput });
  if (wanted.has('StreamSpecification')) {
    // A stream's view type cannot change in place: the old stream is disabled first.
    if (live?.StreamSpecification?.StreamEnabled)
      await update({ StreamSpecification: { StreamEnabled: false } });
    if (create.StreamSpecification?.StreamEnabled)
      await update({ StreamSpecification: create.StreamSpecification });
  }
  if (wanted.has('SSE')) await update({ SSESpecification: create.SSESpecification ?? { Enabled: false } });
  if (wanted.has('TableClass')) await update({ TableClass: desired.TableClass as never });
  if (wanted.has('DeletionProtectionEnabled'))
    await update({ DeletionProtectionEnabled: desired.DeletionProtectionEnabled as boolean });
  if (wanted.has('TimeToLive')) {
    const attribute = desired.TimeToLive as string | null;
    const current = (await dynamo.send(new DescribeTimeToLiveCommand({ TableName: name })))
      .TimeToLiveDescription?.AttributeName;
    const AttributeName = attribute ?? current;
    if (AttributeName)
      await dynamo.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { Enabled: attribute !== null, AttributeName },
        }),
      );
  }
  if (wanted.has('PointInTimeRecovery'))
    await dynamo.send(
      new UpdateContinuousBackupsCommand({
        TableName: name,
        PointInTimeRecoverySpecification: {
          PointInTimeRecoveryEnabled: desired.PointInTimeRecovery as boolean,
        },
      }),
    );
  if (wanted.has('Tags') && live?.TableArn) {
    const tags = desired.Tags as Record<string, string>;
    const current = await liveTableShape(dynamo, live);
    const extra = Object.keys(current.Tags as Record<string, string>).filter((key) => !(key in tags));
    if (extra.length)
      await dynamo.send(new UntagResourceCommand({ ResourceArn: live.TableArn, TagKeys: extra }));
    if (Object.keys(tags).length)
      await dynamo.send(
        new TagResourceCommand({ ResourceArn: live.TableArn, Tags: target.config.tags as Tag[] }),
      );
  }
}

/** After CreateTable or ImportTable: whatever creation could not set (TTL, PITR; after an import also stream, tags…). */
async function finishCreated(target: Target): Promise<string[]> {
  const table = (await describe(target.dynamo, target.name)) as TableDescription;
  const fields = diffFields(await liveTableShape(target.dynamo, table), target.desired).map(
    (field) => field.field,
  );
  const fixed = fields.filter((field) => !UPDATABLE.has(field.split('.')[0] as string));
  await converge(target, fields);
  return fixed;
}

/** CreateTable input for the target: name mapped, tags as recorded, a customer KMS key only where it exists. */
function createInputFor(config: TableConfig, name: string, context: RestoreContext, notes: string[]) {
  const { StreamSpecification, SSESpecification, GlobalSecondaryIndexes, LocalSecondaryIndexes, ...rest } =
    config.create;
  let sse = SSESpecification;
  if (sse?.KMSMasterKeyId) {
    if (context.sourceRegion === context.targetRegion)
      sse = { ...sse, KMSMasterKeyId: context.mapper.mapArn(sse.KMSMasterKeyId) };
    else {
      sse = { ...sse, KMSMasterKeyId: undefined };
      notes.push(
        'encrypted with the AWS managed KMS key: the recorded customer key belongs to the source region',
      );
    }
  }
  return {
    ...rest,
    TableName: name,
    // DescribeTable may answer an empty list; CreateTable refuses one.
    GlobalSecondaryIndexes: GlobalSecondaryIndexes?.length ? GlobalSecondaryIndexes : undefined,
    LocalSecondaryIndexes: LocalSecondaryIndexes?.length ? LocalSecondaryIndexes : undefined,
    StreamSpecification: StreamSpecification?.StreamEnabled ? StreamSpecification : undefined,
    SSESpecification: sse,
    Tags: config.tags.length ? config.tags : undefined,
  } as CreateTableCommandInput;
}

const isNativeExport = (parts: string[]) =>
  parts.length > 0 && parts.every((path) => path.includes('/export/AWSDynamoDB/'));

async function startImport(target: Target, store: BackupStore, parts: string[], context: RestoreContext) {
  const storeBucket = store.s3;
  if (!storeBucket) return undefined;
  const first = parts[0] as string;
  const { create } = target;
  const response = await target.dynamo.send(
    new ImportTableCommand({
      // A retried call gets the same import back instead of starting a second one.
      ClientToken: sha256Hex(`${context.restoreId}/${context.targetRegion}/${target.name}`).slice(0, 32),
      S3BucketSource: {
        S3Bucket: storeBucket.bucket,
        S3KeyPrefix: storeBucket.key(first.slice(0, first.lastIndexOf('/') + 1)),
      },
      InputFormat: 'DYNAMODB_JSON',
      InputCompressionType: 'GZIP',
      TableCreationParameters: {
        TableName: target.name,
        KeySchema: create.KeySchema,
        AttributeDefinitions: create.AttributeDefinitions,
        BillingMode: create.BillingMode,
        ProvisionedThroughput: create.ProvisionedThroughput,
        OnDemandThroughput: create.OnDemandThroughput,
        SSESpecification: create.SSESpecification,
        GlobalSecondaryIndexes: create.GlobalSecondaryIndexes,
      },
    }),
  );
  return response.ImportTableDescription?.ImportArn;
}

async function createTable(target: Target, notes: string[]): Promise<void> {
  await target.dynamo.send(new CreateTableCommand(target.create));
  await waitActive(target.dynamo, target.name);
  const fixed = await finishCreated(target);
  if (fixed.length) notes.push(`created, but these fields differ from the backup: ${fixed.join(', ')}`);
}

/**
 * Follows a running import. A finished import is verified: the table's items must match the backup's
 * by count and checksum (ImportTable only logs the items it could not read, and moto's garbles
 * non-ASCII text and skips files with an empty map). A failed or unfaithful import falls back: the
 * table the import created is deleted and created again, and the items are written with BatchWriteItem.
 */
async function followImport(
  target: Target,
  importArn: string,
  parts: string[],
  store: BackupStore,
  notes: string[],
  deadline: number,
): Promise<Position | undefined> {
  const backoff = new Backoff(500, 15_000);
  for (;;) {
    const { ImportTableDescription: described } = await target.dynamo.send(
      new DescribeImportCommand({ ImportArn: importArn }),
    );
    const status = described?.ImportStatus;
    if (status === 'IN_PROGRESS') {
      const delay = backoff.next();
      if (Date.now() + delay >= deadline) return { mode: 'import', importArn };
      await sleep(delay);
      continue;
    }
    let problem = `ended ${status}${described?.FailureMessage ? ` (${described.FailureMessage})` : ''}`;
    if (status === 'COMPLETED') {
      await waitActive(target.dynamo, target.name);
      const [live, backup] = await Promise.all([
        liveItems(target.dynamo, target.name),
        storedItems(store, parts),
      ]);
      if (live.items === backup.items && live.checksum === backup.checksum) {
        const fixed = await finishCreated(target);
        if (fixed.length)
          notes.push(`imported, but these fields differ from the backup: ${fixed.join(', ')}`);
        return undefined;
      }
      problem = `left ${live.items} of ${backup.items} items${live.items === backup.items ? ' with other contents' : ''}`;
    }
    notes.push(
      `ImportTable ${problem}: the table was created again and its items written with BatchWriteItem`,
    );
    if (await describe(target.dynamo, target.name)) {
      await target.dynamo.send(new DeleteTableCommand({ TableName: target.name }));
      await waitUntilTableNotExists(
        { client: target.dynamo, maxWaitTime: 600, minDelay: 1, maxDelay: 10 },
        { TableName: target.name },
      );
    }
    await createTable(target, notes);
    return { mode: 'write', ...START };
  }
}

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
    const config = await storedDocument<TableConfig>(store, item, 'schema');
    target = {
      dynamo,
      name,
      config,
      desired: tableShape(
        config.description,
        config.timeToLive as TimeToLiveDescription | null,
        config.continuousBackups,
        config.tags,
      ),
      create: createInputFor(config, name, context, notes),
    };
    return target;
  };

  const plan = async (): Promise<DataPlan<Position>> => {
    const notes: string[] = [];
    const details = { items: stored, method: isNativeExport(parts) ? 'export' : 'scan' };
    if ((item.summary?.notCaptured as string[] | undefined)?.includes('data'))
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
    const fixed = fields.filter((field) => !UPDATABLE.has(field.field.split('.')[0] as string));
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

  const step = async (from: Position, planned: DataPlan<Position>): Promise<Position | undefined> => {
    let position: Position | undefined = from;
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

  return runDataRestore(context, Position, plan, step);
}

/** The configuration's change: keys and indexes cannot be changed in place, so `force` makes those manual. */
function configChange(resource: string, fields: FieldChange[], fixed: FieldChange[], force: boolean): Change {
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
