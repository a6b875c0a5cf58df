import {
  type AttributeValue,
  type DynamoDBClient,
  ScanCommand,
  type ScanCommandOutput,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import type { Artifact, WorkItem } from '../../../schemas/work-item.js';
import { isThrottle } from '../../aws/errors.js';
import { mapLimit } from '../../concurrency.js';
import { logger } from '../../log.js';
import { writeBlockedPart } from '../../store/blocked-part.js';
import { artifactKey } from '../../store/layout.js';
import { partFile } from '../../store/ndjson-part.js';
import { Backoff, envNumber, RateLimiter, type StepBudget, sleep } from '../shared/pacing.js';
import type { BackupContext, BackupStep } from '../types.js';
import type { ItemLine, ScanCursor } from './format.js';
import { keyValueText } from './item-keys.js';
import { fromJsonItem, type JsonItem, toJsonItem } from './json.js';
import { billingModeOf } from './table-config.js';

/**
 * A table's data by parallel segmented Scan, written as gzip NDJSON parts in DynamoDB JSON
 * (`{"Item": {...}}` lines, the format of AWS's own exports, so restore reads both the same way): one
 * part per segment and step, resumable from the cursor, under a read-capacity cap on provisioned
 * tables, backing off when throttled.
 */

const KIND = 'dynamodb-table';
const SEGMENT_BYTES = 64 * 1024 * 1024;
const ITEMS_PER_SEGMENT = 12_500;
const MAX_AUTO_SEGMENTS = 16;
const TRUE = /^(1|true|yes|on)$/i;

type SegmentState = ScanCursor['segments'][number];

/** What a sample Scan suggests of a table's size (see `probeTable`). */
export interface TableSample {
  items: number;
  bytes: number;
}

/**
 * Scan plan: about one segment per 64 MB, at least a few for many items (parallelism pays per
 * request), 1..16 (TRIGGERVAULT_SCAN_SEGMENTS overrides). The size is the larger of DescribeTable's
 * (ItemCount and TableSizeBytes are refreshed about every six hours, and are 0 on a new table) and
 * `sample`'s, when a sample was taken. Read cap: TRIGGERVAULT_READ_FRACTION (default 0.5) of
 * provisioned read capacity; on-demand tables are not capped.
 */
export function planScan(table: TableDescription, chunk = 0, sample?: TableSample): ScanCursor {
  const bytes = Math.max(table.TableSizeBytes ?? 0, sample?.bytes ?? 0);
  const count = Math.max(table.ItemCount ?? 0, sample?.items ?? 0);
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
    partitionKey: table.KeySchema?.find((element) => element.KeyType === 'HASH')?.AttributeName,
  };
}

/** The segments a sample Scan covers one of. */
export const SAMPLE_SEGMENTS = MAX_AUTO_SEGMENTS;

/**
 * Samples an on-demand table whose DescribeTable figures would give it one segment (they may be
 * stale): one Scan page of segment 0 of 16, scaled up. A complete segment gives an estimate; a
 * segment with more than a page gives a lower bound (16 pages' worth). Undefined, with no request,
 * when DescribeTable already asks for more than one segment, when TRIGGERVAULT_SCAN_SEGMENTS fixes
 * the segments, or on a provisioned table (its reads are capped: a sample page could take seconds of
 * its capacity); undefined too when the sample is throttled (the plan then trusts DescribeTable).
 */
export async function probeTable(
  dynamo: DynamoDBClient,
  table: TableDescription,
): Promise<TableSample | undefined> {
  const plan = planScan(table);
  if (process.env.TRIGGERVAULT_SCAN_SEGMENTS || plan.segments.length > 1 || plan.rate !== null)
    return undefined;
  let page: ScanCommandOutput;
  try {
    page = await dynamo.send(
      new ScanCommand({ TableName: table.TableName, Segment: 0, TotalSegments: SAMPLE_SEGMENTS }),
    );
  } catch (error) {
    if (isThrottle(error)) return undefined;
    throw error;
  }
  const items = page.Items ?? [];
  // DynamoDB JSON of the items: close to what DynamoDB counts as their size, and what the parts hold.
  const bytes = items.reduce((sum, item) => sum + JSON.stringify(toJsonItem(item)).length, 0);
  return { items: items.length * SAMPLE_SEGMENTS, bytes: bytes * SAMPLE_SEGMENTS };
}

export interface ScanWorker {
  dynamo: DynamoDBClient;
  table: string;
  cursor: ScanCursor;
  budget: StepBudget;
  limiter: RateLimiter;
}

/**
 * Asks for one page of a segment, waiting for the rate limiter and backing off (and lowering the
 * shared rate) when throttled. Resolves to null when the step has no time left for it; `first`
 * always makes its request (progress even when a step starts late).
 */
async function requestPage(
  worker: ScanWorker,
  segment: number,
  startKey: JsonItem | undefined,
  room: number,
  first: boolean,
): Promise<ScanCommandOutput | null> {
  const { dynamo, cursor, budget, limiter } = worker;
  const backoff = new Backoff();
  // One read unit covers 4 KB strongly consistent or 8 KB eventually consistent.
  const unitBytes = cursor.consistent ? 4096 : 8192;
  for (;;) {
    // Under a cap, a page holds about one second of the allowed rate.
    const byRate = limiter.limited
      ? Math.max(1, Math.floor((limiter.currentRate * unitBytes) / cursor.itemBytes))
      : Infinity;
    const limit = Math.min(room, byRate);
    const reserved = limiter.limited ? Math.max(0.5, (limit * cursor.itemBytes) / unitBytes) : 0;
    const wait = limiter.reserve(reserved);
    if (!first && !budget.hasTime(wait)) {
      limiter.settle(reserved, 0);
      return null;
    }
    if (wait > 0) await sleep(wait);
    try {
      const page = await budget.timed(() =>
        dynamo.send(
          new ScanCommand({
            TableName: worker.table,
            Segment: segment,
            TotalSegments: cursor.segments.length,
            ExclusiveStartKey: startKey ? fromJsonItem(startKey) : undefined,
            Limit: Number.isFinite(limit) ? limit : undefined,
            ConsistentRead: cursor.consistent,
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      limiter.settle(reserved, page.ConsumedCapacity?.CapacityUnits ?? reserved);
      return page;
    } catch (error) {
      if (!isThrottle(error)) throw error;
      limiter.throttled(reserved);
      const delay = backoff.next();
      logger.debug('scan throttled', { table: worker.table, segment, delay });
      if (!budget.hasTime(delay)) return null;
      await sleep(delay);
      first = false;
    }
  }
}

/**
 * Scans one segment page by page until it ends, the part is full or time runs out. The next page is
 * asked for as soon as a page arrives, while its items are converted and compressed (read-ahead of
 * one page). `state` is advanced only after a page's items were handed on, so a page read ahead and
 * never handed on is read again by the next step.
 */
export async function* scanSegment(
  worker: ScanWorker,
  state: SegmentState,
  segment: number,
): AsyncGenerator<ItemLine> {
  const maxItems = worker.budget.maxItems;
  let held = 0;
  let ahead: Promise<ScanCommandOutput | null> | undefined;
  try {
    if (state.done || maxItems <= 0) return;
    ahead = requestPage(worker, segment, state.key, maxItems, true);
    while (ahead) {
      const page = await ahead;
      ahead = undefined;
      if (!page) return;
      const items = page.Items ?? [];
      const last: Record<string, AttributeValue> | undefined = page.LastEvaluatedKey;
      const lastKey = last ? toJsonItem(last) : undefined;
      const room = maxItems - held - items.length;
      if (lastKey && room > 0 && worker.budget.hasTime()) {
        ahead = requestPage(worker, segment, lastKey, room, false);
        // Settled below, or abandoned with the generator (see finally).
        ahead.catch(() => undefined);
      }
      for (const item of items) {
        held += 1;
        yield { Item: toJsonItem(item) };
      }
      state.key = lastKey;
      state.done = !lastKey;
    }
  } finally {
    // A page read ahead and never handed on: let its request finish quietly.
    await ahead?.catch(() => undefined);
  }
}

/**
 * What the parts' lookup documents keep of the items: a Bloom filter of the partition key per block.
 * A scan segment's items are in the order of DynamoDB's internal hash of the partition key, which no
 * one outside DynamoDB can compute, so a key range per block would span everything; a filter of ~10
 * bits per item lets a lookup skip all but ~1% of the blocks that do not hold the key, and serves a
 * key condition (a partition key and a sort-key condition) as well as exact keys.
 */
const partitionKeys = (partitionKey: string | undefined) =>
  partitionKey === undefined
    ? {}
    : {
        bloom: {
          name: `partition key ${partitionKey}`,
          of: (line: ItemLine) => keyValueText(line.Item[partitionKey]),
        },
      };

/** One step of the scan: every unfinished segment, in parallel, into a part of its own. */
export async function scanChunk(
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
    parts.push(
      ...(await writeBlockedPart(context.store, key, scanSegment(worker, state, segment), {
        role: 'data',
        count: 'items',
        keys: partitionKeys(cursor.partitionKey),
      })),
    );
  });
  parts.sort((a, b) => a.path.localeCompare(b.path));
  const written = parts.reduce(
    (sum, part) => sum + (part.role === 'data' ? (part.counts?.items ?? 0) : 0),
    0,
  );
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
