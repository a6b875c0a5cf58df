import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { isThrottle } from '../../aws/errors.js';
import { TransientAwsError } from '../../errors.js';
import type { PartPosition } from '../../reconcile/data.js';
import { Backoff, envNumber, sleep } from '../shared/pacing.js';
import type { RecordLine } from './format.js';

/**
 * Replays a stream's records with PutRecords, per partition key in their original order: a key's
 * records are read in shard order (parents before children) and sequence order, and each PutRecords
 * request holds at most one record per key, with no key in two requests at once. A record that fails
 * is retried before anything later of its key is sent, so a partial failure never reorders a key and
 * never writes a record twice. Keys are independent: requests carry up to 500 different keys, so the
 * replay is as fast as the stream has keys.
 */

const MAX_BATCH_RECORDS = 500;
const MAX_BATCH_BYTES = 5 * 1024 * 1024;
const MAX_PUT_ATTEMPTS = 30;

interface Pending {
  line: RecordLine;
  /** Where the parts continue after this record. */
  next: PartPosition;
  sending: boolean;
  attempts: number;
}

/**
 * Replays the parts' records from `from` on (see the module comment for the ordering rules). Reads
 * ahead up to a window; at `deadline` it stops reading, finishes what it read and returns where to
 * continue, or undefined when every record is written.
 */
export async function replayRecords(
  kinesis: KinesisClient,
  StreamName: string,
  records: AsyncIterable<{ value: RecordLine; next: PartPosition }>,
  from: PartPosition,
  deadline: number,
): Promise<PartPosition | undefined> {
  const concurrency = envNumber('TRIGGERVAULT_KINESIS_PUT_CONCURRENCY', 1);
  const windowRecords = envNumber('TRIGGERVAULT_KINESIS_REPLAY_WINDOW', 10_000);
  const source = records[Symbol.asyncIterator]();
  let buffer: Pending[] = [];
  let exhausted = false;
  let read = from;
  const inFlight = new Set<string>();
  const running = new Set<Promise<void>>();
  const backoff = new Backoff();
  let failure: unknown;

  const fill = async () => {
    // The first record is always read: every call makes progress, however late it starts.
    while (!exhausted && buffer.length < windowRecords && (Date.now() < deadline || read === from)) {
      const next = await source.next();
      if (next.done) exhausted = true;
      else {
        buffer.push({ line: next.value.value, next: next.value.next, sending: false, attempts: 0 });
        read = next.value.next;
      }
    }
  };

  /** The earliest waiting record of each key that has nothing in flight, up to the request limits. */
  const takeBatch = (): Pending[] => {
    const seen = new Set<string>();
    const batch: Pending[] = [];
    let bytes = 0;
    for (const pending of buffer) {
      const key = pending.line.partitionKey;
      if (seen.has(key)) continue;
      seen.add(key);
      if (pending.sending || inFlight.has(key)) continue;
      const size = Buffer.byteLength(key) + Math.ceil((pending.line.data.length * 3) / 4);
      if (batch.length >= MAX_BATCH_RECORDS || (batch.length > 0 && bytes + size > MAX_BATCH_BYTES)) break;
      batch.push(pending);
      bytes += size;
    }
    return batch;
  };

  const send = async (batch: Pending[]) => {
    const entries: PutRecordsRequestEntry[] = batch.map((pending) => ({
      PartitionKey: pending.line.partitionKey,
      Data: Buffer.from(pending.line.data, 'base64'),
    }));
    let failed = batch;
    try {
      const response = await kinesis.send(new PutRecordsCommand({ StreamName, Records: entries }));
      failed = batch.filter(
        (_, index) => response.Records?.[index]?.ErrorCode || !response.Records?.[index]?.SequenceNumber,
      );
    } catch (error) {
      if (!isThrottle(error)) throw error;
    }
    const done = new Set(batch.filter((pending) => !failed.includes(pending)));
    buffer = buffer.filter((pending) => !done.has(pending));
    for (const pending of failed) {
      pending.attempts += 1;
      if (pending.attempts >= MAX_PUT_ATTEMPTS)
        throw new TransientAwsError(
          `${StreamName}: a record of key ${pending.line.partitionKey} failed ${pending.attempts} times`,
        );
    }
    // The failed keys stay in flight while backing off: nothing later of theirs may overtake them.
    // The backoff grows only while nothing gets through; a request that made progress starts it over.
    if (failed.length < batch.length) backoff.reset();
    if (failed.length) await sleep(backoff.next());
    for (const pending of failed) pending.sending = false;
  };

  for (;;) {
    if (failure) break;
    await fill();
    while (running.size >= concurrency) await Promise.race(running);
    const batch = takeBatch();
    if (batch.length) {
      for (const pending of batch) {
        pending.sending = true;
        inFlight.add(pending.line.partitionKey);
      }
      const task: Promise<void> = send(batch)
        .catch((error) => {
          failure ??= error;
        })
        .finally(() => {
          for (const pending of batch) inFlight.delete(pending.line.partitionKey);
          running.delete(task);
        });
      running.add(task);
      continue;
    }
    if (running.size) {
      await Promise.race(running);
      continue;
    }
    break;
  }
  await Promise.allSettled(running);
  if (failure) throw failure;
  await source.return?.(undefined);
  return exhausted ? undefined : read;
}
