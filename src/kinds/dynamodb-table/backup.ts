import {
  type AttributeValue,
  type CreateTableCommandInput,
  DescribeContinuousBackupsCommand,
  DescribeExportCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ExportTableToPointInTimeCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  ScanCommand,
  type ScanCommandOutput,
  type TableDescription,
  type Tag,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { parseOrThrow } from '../../../schemas/common.js';
import type { Artifact, WorkItem } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { isThrottle } from '../../aws/errors.js';
import { mapLimit } from '../../concurrency.js';
import { IntegrityError, NotFoundError } from '../../errors.js';
import { selectNames } from '../../glob.js';
import { logger } from '../../log.js';
import { sha256Hex } from '../../store/hashing.js';
import { artifactKey } from '../../store/layout.js';
import { inspectNdjsonPart, partFile, writeJsonArtifact, writeNdjsonPart } from '../../store/ndjson-part.js';
import { captures, configurationOnly } from '../shared/attributes.js';
import { Backoff, envNumber, RateLimiter, StepBudget, sleep } from '../shared/pacing.js';
import type { BackupContext, BackupStep, ResourceKind } from '../types.js';
import { fromJsonItem, type JsonItem, toJsonItem } from './json.js';
import { restoreTable } from './restore.js';

/**
 * DynamoDB tables: schema (DescribeTable, TTL, PITR, tags) and data. Data comes from a native
 * point-in-time export into the store when PITR is on and the store is S3, otherwise from a
 * parallel segmented Scan written as gzip NDJSON parts in DynamoDB JSON (`{"Item": {...}}` lines,
 * the format of AWS's own exports, so restore reads both the same way).
 */
const KIND = 'dynamodb-table' as const;
const SEGMENT_BYTES = 64 * 1024 * 1024;
const ITEMS_PER_SEGMENT = 12_500;
const MAX_AUTO_SEGMENTS = 16;
const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

const ScanCursor = z.object({
  mode: z.literal('scan'),
  /** The number of the last chunk that wrote parts. */
  chunk: z.number().int().nonnegative(),
  segments: z
    .array(z.object({ key: z.record(z.string(), z.unknown()).optional(), done: z.boolean() }))
    .min(1),
  consistent: z.boolean(),
  /** Read capacity units per second this backup may use; null = unlimited (on-demand). */
  rate: z.number().positive().nullable(),
  /** Average item size, to size pages under a rate cap. */
  itemBytes: z.number().positive(),
  items: z.number().int().nonnegative(),
});
type ScanCursor = z.infer<typeof ScanCursor>;
type SegmentState = ScanCursor['segments'][number];

const ExportCursor = z.object({
  mode: z.literal('export'),
  chunk: z.number().int().nonnegative(),
  exportArn: z.string().min(1),
  /** Store key under which the export writes (AWSDynamoDB/<id>/… below it). */
  prefix: z.string().min(1),
});
type ExportCursor = z.infer<typeof ExportCursor>;

const Cursor = z.discriminatedUnion('mode', [ScanCursor, ExportCursor]);

/** schema.json: everything needed to re-create the table. */
export interface TableConfig {
  format: 1;
  region: string;
  name: string;
  billingMode: 'PROVISIONED' | 'PAY_PER_REQUEST';
  /** What CreateTable needs to re-create the table (keys, indexes, capacity, stream, SSE, tags). */
  create: CreateTableCommandInput;
  timeToLive: unknown;
  continuousBackups: { PointInTimeRecoveryDescription?: { PointInTimeRecoveryStatus?: string } } | null;
  tags: Tag[];
  /** DescribeTable as AWS answered it. */
  description: TableDescription;
}

const billingModeOf = (table: TableDescription): TableConfig['billingMode'] =>
  table.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED';

async function describeTable(dynamo: DynamoDBClient, name: string): Promise<TableDescription> {
  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: name }));
  if (!Table?.TableArn) throw new NotFoundError(`DynamoDB table ${name} not found`);
  return Table;
}

async function listTags(dynamo: DynamoDBClient, arn: string): Promise<Tag[]> {
  const tags: Tag[] = [];
  let NextToken: string | undefined;
  do {
    const page = await dynamo.send(new ListTagsOfResourceCommand({ ResourceArn: arn, NextToken }));
    tags.push(...(page.Tags ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return tags;
}

function createInput(
  table: TableDescription,
  billingMode: TableConfig['billingMode'],
  tags: Tag[],
): CreateTableCommandInput {
  const provisioned = billingMode === 'PROVISIONED';
  const throughput = (t?: { ReadCapacityUnits?: number; WriteCapacityUnits?: number }) =>
    provisioned && t
      ? { ReadCapacityUnits: t.ReadCapacityUnits ?? 1, WriteCapacityUnits: t.WriteCapacityUnits ?? 1 }
      : undefined;
  const sse = table.SSEDescription;
  return {
    TableName: table.TableName,
    KeySchema: table.KeySchema,
    AttributeDefinitions: table.AttributeDefinitions,
    BillingMode: billingMode,
    ProvisionedThroughput: throughput(table.ProvisionedThroughput),
    OnDemandThroughput: table.OnDemandThroughput,
    GlobalSecondaryIndexes: table.GlobalSecondaryIndexes?.map((index) => ({
      IndexName: index.IndexName,
      KeySchema: index.KeySchema,
      Projection: index.Projection,
      ProvisionedThroughput: throughput(index.ProvisionedThroughput),
      OnDemandThroughput: index.OnDemandThroughput,
    })),
    LocalSecondaryIndexes: table.LocalSecondaryIndexes?.map((index) => ({
      IndexName: index.IndexName,
      KeySchema: index.KeySchema,
      Projection: index.Projection,
    })),
    StreamSpecification: table.StreamSpecification,
    SSESpecification:
      sse && (sse.Status === 'ENABLED' || sse.Status === 'ENABLING')
        ? { Enabled: true, SSEType: sse.SSEType, KMSMasterKeyId: sse.KMSMasterKeyArn }
        : undefined,
    TableClass: table.TableClassSummary?.TableClass,
    DeletionProtectionEnabled: table.DeletionProtectionEnabled,
    Tags: tags.length > 0 ? tags : undefined,
  } as CreateTableCommandInput;
}

async function readTableConfig(dynamo: DynamoDBClient, region: string, name: string): Promise<TableConfig> {
  const table = await describeTable(dynamo, name);
  const [ttl, backups, tags] = await Promise.all([
    dynamo.send(new DescribeTimeToLiveCommand({ TableName: name })),
    dynamo.send(new DescribeContinuousBackupsCommand({ TableName: name })),
    listTags(dynamo, table.TableArn as string),
  ]);
  const billingMode = billingModeOf(table);
  return {
    format: 1,
    region,
    name,
    billingMode,
    create: createInput(table, billingMode, tags),
    timeToLive: ttl.TimeToLiveDescription ?? null,
    continuousBackups: backups.ContinuousBackupsDescription ?? null,
    tags,
    description: table,
  };
}

/**
 * Scan plan: about one segment per 64 MB, at least a few for many items (parallelism pays per
 * request), 1..16 (TRIGGERVAULT_SCAN_SEGMENTS overrides). Read cap: TRIGGERVAULT_READ_FRACTION
 * (default 0.5) of provisioned read capacity; on-demand tables are not capped.
 */
export function planScan(table: TableDescription, chunk = 0): ScanCursor {
  const bytes = table.TableSizeBytes ?? 0;
  const count = table.ItemCount ?? 0;
  const automatic = Math.min(
    MAX_AUTO_SEGMENTS,
    Math.max(1, Math.ceil(bytes / SEGMENT_BYTES), Math.min(4, Math.ceil(count / ITEMS_PER_SEGMENT))),
  );
  const total = Math.min(1000, Math.floor(envNumber('TRIGGERVAULT_SCAN_SEGMENTS', automatic)));
  const fraction = Math.min(1, envNumber('TRIGGERVAULT_READ_FRACTION', 0.5));
  const capacity =
    billingModeOf(table) === 'PROVISIONED' ? (table.ProvisionedThroughput?.ReadCapacityUnits ?? 0) : 0;
  return {
    mode: 'scan',
    chunk,
    segments: Array.from({ length: total }, () => ({ done: false })),
    consistent: TRUE.test(process.env.TRIGGERVAULT_CONSISTENT_READ ?? ''),
    rate: capacity > 0 ? capacity * fraction : null,
    itemBytes: count > 0 && bytes > 0 ? bytes / count : 1024,
    items: 0,
  };
}

interface ScanWorker {
  dynamo: DynamoDBClient;
  table: string;
  cursor: ScanCursor;
  budget: StepBudget;
  limiter: RateLimiter;
}

/**
 * Scans one segment page by page until it ends, the part is full or time runs out. Always makes one
 * request (progress even when a step starts late); backs off and lowers the shared rate when
 * throttled. `state` is advanced only after a page's items were handed on.
 */
async function* scanSegment(
  worker: ScanWorker,
  state: SegmentState,
  segment: number,
): AsyncGenerator<{ Item: JsonItem }> {
  const { dynamo, cursor, budget, limiter } = worker;
  const backoff = new Backoff();
  // One read unit covers 4 KB strongly consistent or 8 KB eventually consistent.
  const unitBytes = cursor.consistent ? 4096 : 8192;
  let held = 0;
  let requests = 0;
  while (!state.done) {
    const room = budget.maxItems - held;
    if (room <= 0) break;
    // Under a cap, a page holds about one second of the allowed rate.
    const byRate = limiter.limited
      ? Math.max(1, Math.floor((limiter.currentRate * unitBytes) / cursor.itemBytes))
      : Infinity;
    const limit = Math.min(room, byRate);
    const reserved = limiter.limited ? Math.max(0.5, (limit * cursor.itemBytes) / unitBytes) : 0;
    const wait = limiter.reserve(reserved);
    if (requests > 0 && !budget.hasTime(wait)) {
      limiter.settle(reserved, 0);
      break;
    }
    if (wait > 0) await sleep(wait);
    let page: ScanCommandOutput;
    try {
      page = await budget.timed(() =>
        dynamo.send(
          new ScanCommand({
            TableName: worker.table,
            Segment: segment,
            TotalSegments: cursor.segments.length,
            ExclusiveStartKey: state.key ? fromJsonItem(state.key as JsonItem) : undefined,
            Limit: Number.isFinite(limit) ? limit : undefined,
            ConsistentRead: cursor.consistent,
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
    } catch (error) {
      if (!isThrottle(error)) throw error;
      limiter.throttled(reserved);
      const delay = backoff.next();
      logger.debug('scan throttled', { table: worker.table, segment, delay });
      if (!budget.hasTime(delay)) break;
      await sleep(delay);
      continue;
    }
    requests += 1;
    backoff.reset();
    limiter.settle(reserved, page.ConsumedCapacity?.CapacityUnits ?? reserved);
    for (const item of page.Items ?? []) {
      held += 1;
      yield { Item: toJsonItem(item) };
    }
    const last: Record<string, AttributeValue> | undefined = page.LastEvaluatedKey;
    state.key = last ? toJsonItem(last) : undefined;
    state.done = !last;
  }
}

async function scanChunk(
  dynamo: DynamoDBClient,
  item: WorkItem,
  context: BackupContext,
  budget: StepBudget,
  cursor: ScanCursor,
): Promise<BackupStep> {
  const chunk = cursor.chunk + 1;
  const segments = cursor.segments.map((state) => ({ ...state }));
  const worker: ScanWorker = {
    dynamo,
    table: item.name,
    cursor,
    budget,
    limiter: new RateLimiter(cursor.rate ?? Infinity),
  };
  const parts: Artifact[] = [];
  const pending = segments.map((state, segment) => ({ state, segment })).filter(({ state }) => !state.done);
  await mapLimit(pending, envNumber('TRIGGERVAULT_SCAN_CONCURRENCY', 8), async ({ state, segment }) => {
    const file = partFile('data', chunk, `s${String(segment).padStart(3, '0')}`);
    const key = artifactKey(item.runId, item.region, KIND, item.name, file);
    const part = await writeNdjsonPart(context.store, key, scanSegment(worker, state, segment), {
      role: 'data',
      count: 'items',
    });
    if (part) parts.push(part);
  });
  parts.sort((a, b) => a.path.localeCompare(b.path));
  const written = parts.reduce((sum, part) => sum + (part.counts?.items ?? 0), 0);
  const next: ScanCursor = { ...cursor, chunk, segments, items: cursor.items + written };
  const done = segments.every((state) => state.done);
  return {
    done,
    cursor: done ? undefined : next,
    artifacts: parts,
    summary: {
      method: 'scan',
      totalSegments: segments.length,
      segmentsDone: segments.filter((state) => state.done).length,
      items: next.items,
    },
  };
}

async function startExport(
  dynamo: DynamoDBClient,
  item: WorkItem,
  context: BackupContext,
  config: TableConfig,
): Promise<ExportCursor | undefined> {
  const target = context.store.s3;
  const pitr = config.continuousBackups?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
  if (!target || pitr !== 'ENABLED' || FALSE.test(process.env.TRIGGERVAULT_DYNAMODB_EXPORT ?? ''))
    return undefined;
  const prefix = artifactKey(item.runId, item.region, KIND, item.name, 'export');
  try {
    const response = await dynamo.send(
      new ExportTableToPointInTimeCommand({
        TableArn: config.description.TableArn,
        S3Bucket: target.bucket,
        S3Prefix: target.key(prefix),
        ExportFormat: 'DYNAMODB_JSON',
        // A retried first step gets the same export back instead of starting a second one.
        ClientToken: sha256Hex(`${item.runId}/${item.region}/${item.name}`).slice(0, 32),
      }),
    );
    const arn = response.ExportDescription?.ExportArn;
    return arn ? { mode: 'export', chunk: 0, exportArn: arn, prefix } : undefined;
  } catch (error) {
    if (isThrottle(error)) throw error;
    logger.warn('native export unavailable, scanning instead', { table: item.name, error: String(error) });
    return undefined;
  }
}

const roleOfExportFile = (key: string): string =>
  /\/data\/[^/]+\.gz$/.test(key)
    ? 'data'
    : /manifest-[a-z]+\.json$/.test(key)
      ? 'export-manifest'
      : 'export-file';

/** Describes every file of a completed export; checks item counts against AWS's manifest when present. */
async function collectExport(
  context: BackupContext,
  cursor: ExportCursor,
  reported: number | undefined,
): Promise<BackupStep> {
  const keys: string[] = [];
  for await (const key of context.store.list(`${cursor.prefix}/`)) keys.push(key);
  const artifacts: Artifact[] = [];
  let summaryKey: string | undefined;
  await mapLimit(keys, 8, async (key) => {
    const role = roleOfExportFile(key);
    if (role === 'data') {
      const inspected = await inspectNdjsonPart(context.store, key);
      artifacts.push({
        role,
        path: key,
        sha256: inspected.sha256,
        bytes: inspected.bytes,
        counts: { items: inspected.lines },
      });
      return;
    }
    if (key.endsWith('/manifest-summary.json')) summaryKey = key;
    const measured = await context.store.measure(key);
    if (measured) artifacts.push({ role, path: key, ...measured });
  });
  artifacts.sort((a, b) => a.path.localeCompare(b.path));
  const items = artifacts.reduce((sum, artifact) => sum + (artifact.counts?.items ?? 0), 0);
  // AWS writes manifest-summary.json (moto does not): when present, its item count must match.
  const manifest = summaryKey
    ? ((await context.store.getJson(summaryKey)) as { itemCount?: number })
    : undefined;
  for (const expected of [manifest?.itemCount, reported]) {
    if (expected !== undefined && expected !== items) {
      throw new IntegrityError(
        `export ${cursor.exportArn} reports ${expected} items, its data files hold ${items}`,
      );
    }
  }
  return {
    done: true,
    artifacts,
    summary: {
      method: 'export',
      exportArn: cursor.exportArn,
      items,
      files: artifacts.filter((a) => a.role === 'data').length,
    },
  };
}

/** Waits for the export within this step; undefined when it failed (the caller scans instead). */
async function continueExport(
  dynamo: DynamoDBClient,
  context: BackupContext,
  budget: StepBudget,
  cursor: ExportCursor,
): Promise<BackupStep | undefined> {
  let pollMs = 250;
  for (;;) {
    const { ExportDescription: description } = await budget.timed(() =>
      dynamo.send(new DescribeExportCommand({ ExportArn: cursor.exportArn })),
    );
    const status = description?.ExportStatus;
    if (status === 'COMPLETED') return collectExport(context, cursor, description?.ItemCount);
    if (status !== 'IN_PROGRESS') {
      logger.warn('native export failed, scanning instead', {
        exportArn: cursor.exportArn,
        status,
        failure: description?.FailureMessage,
      });
      return undefined;
    }
    if (!budget.hasTime(pollMs))
      return { done: false, cursor, artifacts: [], summary: { method: 'export', status } };
    await sleep(pollMs);
    pollMs = Math.min(pollMs * 2, 15_000);
  }
}

export const dynamodbTable: ResourceKind = {
  kind: KIND,
  restore: restoreTable,

  async discover(region, { patterns }) {
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
  },

  async backup(item, context) {
    const dynamo = client(DynamoDBClient, item.region);
    const budget = new StepBudget(context.deadline, context.chunkItems);
    const artifacts: Artifact[] = [];
    let cursor =
      item.cursor === undefined ? undefined : parseOrThrow(Cursor, item.cursor, 'dynamodb-table cursor');
    if (!cursor) {
      // First step: the schema, written once per item, then the data plan.
      const config = await readTableConfig(dynamo, item.region, item.name);
      const key = artifactKey(item.runId, item.region, KIND, item.name, 'schema.json');
      artifacts.push(await writeJsonArtifact(context.store, key, 'schema', config));
      if (!captures(item, 'data')) return configurationOnly(artifacts);
      cursor = (await startExport(dynamo, item, context, config)) ?? planScan(config.description);
    }
    if (cursor.mode === 'export') {
      const step = await continueExport(dynamo, context, budget, cursor);
      if (step) return { ...step, artifacts: [...artifacts, ...step.artifacts] };
      cursor = planScan(await describeTable(dynamo, item.name), cursor.chunk);
    }
    const step = await scanChunk(dynamo, item, context, budget, cursor);
    return { ...step, artifacts: [...artifacts, ...step.artifacts] };
  },
};

export default dynamodbTable;
