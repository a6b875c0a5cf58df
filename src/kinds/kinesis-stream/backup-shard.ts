import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { isThrottle } from '../../aws/errors.js';
import { Backoff, type StepBudget, sleep } from '../shared/pacing.js';
import type { RecordLine, ShardState } from './format.js';

/**
 * Drains one shard for a backup step: from TRIM_HORIZON (or after the last sequence number a
 * previous step stored) until it is caught up, closed, or has passed the moment the backup started.
 */

const MAX_GET_RECORDS = 10_000;
/** GetRecords allows 5 calls per second per shard. */
const MIN_CALL_INTERVAL_MS = 200;
/**
 * And 2 MB of data per second per shard: a call may return up to 10 MB, after which the shard's next
 * call must wait (AWS throttles calls within 5 s of a 10 MB read). Counted in bytes of record data.
 */
const MAX_BYTES_PER_SECOND = 2_000_000;

/** How long after a call that returned `bytes` of data the shard's next call may go. */
export const readInterval = (bytes: number): number =>
  Math.max(MIN_CALL_INTERVAL_MS, Math.ceil((bytes / MAX_BYTES_PER_SECOND) * 1000));

export interface ShardReader {
  kinesis: KinesisClient;
  stream: string;
  budget: StepBudget;
  /** Epoch ms when the item started: a shard that reaches records newer than this is done. */
  started: number;
}

const toLine = (record: _Record): RecordLine => ({
  sequenceNumber: record.SequenceNumber as string,
  partitionKey: record.PartitionKey as string,
  approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp ?? new Date(0)).toISOString(),
  data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
  ...(record.EncryptionType && record.EncryptionType !== 'NONE'
    ? { encryptionType: record.EncryptionType }
    : {}),
});

async function shardIterator(
  reader: ShardReader,
  shardId: string,
  after: string | undefined,
): Promise<string | undefined> {
  const response = await reader.kinesis.send(
    new GetShardIteratorCommand({
      StreamName: reader.stream,
      ShardId: shardId,
      ...(after
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after }
        : { ShardIteratorType: 'TRIM_HORIZON' }),
    }),
  );
  return response.ShardIterator;
}

/**
 * Reads one shard in order until it is finished, the part is full or time runs out; always makes
 * one call (progress even when a step starts late). Paced to the shard's 5 calls and 2 MB per second
 * (see `readInterval`), backs off when throttled, and renews an expired iterator from the last
 * stored sequence number. Updates `state` as it goes.
 */
export async function* readShard(
  reader: ShardReader,
  shardId: string,
  state: ShardState,
): AsyncGenerator<RecordLine> {
  const { budget } = reader;
  const backoff = new Backoff();
  let iterator: string | undefined;
  let held = 0;
  let calls = 0;
  let lastCall = 0;
  let interval = MIN_CALL_INTERVAL_MS;
  while (!state.done) {
    const room = budget.maxItems - held;
    if (room <= 0) break;
    const pace = calls > 0 ? Math.max(0, interval - (Date.now() - lastCall)) : 0;
    if (calls > 0 && !budget.hasTime(pace)) break;
    if (pace > 0) await sleep(pace);
    try {
      iterator ??= await budget.timed(() => shardIterator(reader, shardId, state.seq));
      if (!iterator) {
        state.done = true;
        break;
      }
      const ShardIterator = iterator;
      lastCall = Date.now();
      const response = await budget.timed(() =>
        reader.kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: Math.min(MAX_GET_RECORDS, room) })),
      );
      calls += 1;
      backoff.reset();
      const records = response.Records ?? [];
      interval = readInterval(records.reduce((sum, record) => sum + (record.Data?.byteLength ?? 0), 0));
      for (const record of records) {
        held += 1;
        yield toLine(record);
        state.seq = record.SequenceNumber;
      }
      iterator = response.NextShardIterator;
      const newest = records.at(-1)?.ApproximateArrivalTimestamp?.getTime() ?? 0;
      // Closed and read to its end; caught up with the tip; or past the start of this backup.
      if (
        !iterator ||
        (records.length === 0 && (response.MillisBehindLatest ?? 0) === 0) ||
        newest > reader.started
      ) {
        state.done = true;
      }
    } catch (error) {
      if (error instanceof Error && error.name === 'ExpiredIteratorException') {
        iterator = undefined;
        continue;
      }
      if (!isThrottle(error)) throw error;
      const delay = backoff.next();
      if (!budget.hasTime(delay)) break;
      await sleep(delay);
    }
  }
}
