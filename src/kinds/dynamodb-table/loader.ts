import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { isThrottle } from '../../aws/errors.js';
import { TransientAwsError } from '../../errors.js';
import type { PartPosition } from '../../reconcile/data.js';
import type { BackupStore } from '../../store/store.js';
import { Backoff, envNumber, mapOrdered, sleep } from '../shared/pacing.js';
import { fromJsonItem, type Item } from './json.js';
import { storedItemsFrom } from './parts.js';

/**
 * Writes a backup's items into a table with BatchWriteItem: 25 per request, several requests in
 * flight, UnprocessedItems retried with backoff, the parts streamed (never the whole table in
 * memory), resumable between calls from a part position.
 */

const WRITE_BATCH = 25;
const MAX_WRITE_ATTEMPTS = 12;
const STOPPED = Symbol('stopped');

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
  for await (const record of storedItemsFrom(store, parts, from)) {
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
