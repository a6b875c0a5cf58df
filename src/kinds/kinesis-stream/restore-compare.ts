import { createHash, type Hash } from 'node:crypto';
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { BackupStore } from '../../store/store.js';
import { sleep } from '../shared/pacing.js';
import { recordLinesFrom } from './format.js';
import { listShards } from './streams.js';

/**
 * Compares a stream's records with the backup's per partition key: how many, and a hash chain of
 * their data in order. Arrival timestamps and sequence numbers are Kinesis's own and never compared.
 */

/** GetRecords allows 5 calls per second per shard. */
const READ_INTERVAL_MS = 200;

/** Records, keys and one checksum over every key's count and chain. */
export interface RecordsPicture {
  records: number;
  keys: number;
  checksum: string;
}

/**
 * Records per partition key: how many, and a hash chain over their data in order. Two streams hold
 * the same records per key, in the same order, exactly when their pictures are equal.
 */
class KeyChains {
  private readonly chains = new Map<string, { count: number; hash: Hash }>();
  records = 0;

  add(key: string, data: Uint8Array): void {
    let chain = this.chains.get(key);
    if (!chain) {
      chain = { count: 0, hash: createHash('sha256') };
      this.chains.set(key, chain);
    }
    chain.count += 1;
    chain.hash.update(`${data.length}:`).update(data);
    this.records += 1;
  }

  picture(): RecordsPicture {
    const digest = createHash('sha256');
    for (const key of [...this.chains.keys()].sort()) {
      const chain = this.chains.get(key) as { count: number; hash: Hash };
      digest.update(`${key}\t${chain.count}\t${chain.hash.copy().digest('hex')}\n`);
    }
    return { records: this.records, keys: this.chains.size, checksum: digest.digest('hex') };
  }
}

/** The picture of the records the backup stored in `parts` (in shard, then chunk order). */
export async function storedRecords(store: BackupStore, parts: string[]): Promise<RecordsPicture> {
  const chains = new KeyChains();
  for await (const { value } of recordLinesFrom(store, parts))
    chains.add(value.partitionKey, Buffer.from(value.data, 'base64'));
  return chains.picture();
}

/** Every record of a live stream, shard by shard in id order (parents before children), to its tip. */
export async function* liveStreamRecords(
  kinesis: KinesisClient,
  StreamName: string,
): AsyncGenerator<{ partitionKey: string; data: Uint8Array }> {
  const shards = await listShards(kinesis, StreamName);
  for (const shard of shards.sort((a, b) => String(a.ShardId).localeCompare(String(b.ShardId)))) {
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    while (iterator) {
      const started = Date.now();
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const record of page.Records ?? [])
        yield { partitionKey: record.PartitionKey ?? '', data: record.Data ?? new Uint8Array() };
      if (!page.Records?.length && (page.MillisBehindLatest ?? 0) === 0) break;
      iterator = page.NextShardIterator;
      await sleep(Math.max(0, READ_INTERVAL_MS - (Date.now() - started)));
    }
  }
}

/** The picture of a live stream's records (see `liveStreamRecords`). */
export async function liveRecords(kinesis: KinesisClient, StreamName: string): Promise<RecordsPicture> {
  const chains = new KeyChains();
  for await (const record of liveStreamRecords(kinesis, StreamName))
    chains.add(record.partitionKey, record.data);
  return chains.picture();
}
