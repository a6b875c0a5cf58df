import { createHash, type Hash } from 'node:crypto';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamConsumersCommand,
  ListTagsForStreamCommand,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
  RegisterStreamConsumerCommand,
  RemoveTagsFromStreamCommand,
  type Shard,
  StartStreamEncryptionCommand,
  type StreamDescriptionSummary,
  type Tag,
  UpdateShardCountCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import type { Change, FieldChange } from '../../../schemas/restore.js';
import type { ItemResult } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { ifExists, isThrottle } from '../../aws/errors.js';
import { TransientAwsError } from '../../errors.js';
import type { RestoreContext, RestoreResult } from '../../reconcile/context.js';
import {
  countOf,
  type DataPlan,
  decideData,
  PartPosition,
  recordsFrom,
  runDataRestore,
  START,
  storedDocument,
} from '../../reconcile/data.js';
import { diffFields, reconcile } from '../../reconcile/diff.js';
import type { BackupStore } from '../../store/store.js';
import { Backoff, envNumber, sleep } from '../shared/pacing.js';
import type { RecordLine } from './backup.js';

/**
 * Restores a Kinesis data stream from its config.json and record parts. A missing stream is created
 * (capacity mode, the recorded number of open shards), waited for, and given its retention period,
 * encryption, tags and enhanced fan-out consumers. Then the records are replayed with PutRecords, per
 * partition key in their original order: a key's records are read in shard order (parents before
 * children) and sequence order, and each PutRecords request holds at most one record per key, with
 * no key in two requests at once. A record that fails is retried before anything later of its key is
 * sent, so a partial failure never reorders a key and never writes a record twice. Keys are
 * independent: requests carry up to 500 different keys, so the replay is as fast as the stream has
 * keys. Arrival timestamps and sequence numbers are Kinesis's own and cannot be restored.
 *
 * An existing stream is compared first: settings, then its records per partition key (count and a
 * hash chain of the data, in order). Records are replayed into a stream that already holds records
 * only with `force`, and then after them: the replay appends the backed-up records.
 */

const MAX_BATCH_RECORDS = 500;
const MAX_BATCH_BYTES = 5 * 1024 * 1024;
const MAX_PUT_ATTEMPTS = 30;
/** GetRecords allows 5 calls per second per shard. */
const READ_INTERVAL_MS = 200;

interface StreamConfig {
  name: string;
  streamMode: string;
  retentionPeriodHours?: number;
  encryption: { type: string; keyId?: string };
  summary?: StreamDescriptionSummary;
  shards: Shard[];
  tags: Tag[];
  consumers: { ConsumerName?: string }[];
}

const tagRecord = (tags: Tag[]): Record<string, string> =>
  Object.fromEntries(tags.map((tag) => [tag.Key ?? '', tag.Value ?? '']));

/** Sorts record parts by shard, then chunk: `records/c00012-shardId-000000000001.ndjson.gz`. */
export function recordParts(item: ItemResult): string[] {
  const unit = (path: string) => /\/c(\d+)-([^/]+)\.ndjson\.gz$/.exec(path);
  return item.artifacts
    .filter((artifact) => artifact.role === 'records')
    .map((artifact) => artifact.path)
    .sort((a, b) => {
      const [, chunkA = '', shardA = a] = unit(a) ?? [];
      const [, chunkB = '', shardB = b] = unit(b) ?? [];
      return shardA === shardB ? Number(chunkA) - Number(chunkB) : shardA < shardB ? -1 : 1;
    });
}

/** The comparable settings of a stream, the same for the recorded one and a live one. */
function streamShape(
  summary: StreamDescriptionSummary | undefined,
  tags: Tag[],
  consumers: { ConsumerName?: string }[],
) {
  const mode = summary?.StreamModeDetails?.StreamMode ?? 'PROVISIONED';
  return {
    StreamMode: mode,
    OpenShardCount: mode === 'PROVISIONED' ? (summary?.OpenShardCount ?? null) : null,
    RetentionPeriodHours: summary?.RetentionPeriodHours ?? 24,
    EncryptionType: summary?.EncryptionType ?? 'NONE',
    Tags: tagRecord(tags),
    Consumers: consumers.map((consumer) => consumer.ConsumerName).sort(),
  };
}

async function liveShape(kinesis: KinesisClient, summary: StreamDescriptionSummary) {
  const StreamName = summary.StreamName as string;
  const tags: Tag[] = [];
  for (let ExclusiveStartTagKey: string | undefined, more = true; more; ) {
    const page = await kinesis.send(new ListTagsForStreamCommand({ StreamName, ExclusiveStartTagKey }));
    tags.push(...(page.Tags ?? []));
    ExclusiveStartTagKey = page.Tags?.at(-1)?.Key;
    more = Boolean(page.HasMoreTags && ExclusiveStartTagKey);
  }
  const consumers =
    (await kinesis.send(new ListStreamConsumersCommand({ StreamARN: summary.StreamARN }))).Consumers ?? [];
  return streamShape(summary, tags, consumers);
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

  picture() {
    const digest = createHash('sha256');
    for (const key of [...this.chains.keys()].sort()) {
      const chain = this.chains.get(key) as { count: number; hash: Hash };
      digest.update(`${key}\t${chain.count}\t${chain.hash.copy().digest('hex')}\n`);
    }
    return { records: this.records, keys: this.chains.size, checksum: digest.digest('hex') };
  }
}

async function storedRecords(store: BackupStore, parts: string[]) {
  const chains = new KeyChains();
  for await (const { value } of recordsFrom<RecordLine>(store, parts))
    chains.add(value.partitionKey, Buffer.from(value.data, 'base64'));
  return chains.picture();
}

/** Reads every record of a live stream, shard by shard in id order (parents before children), to its tip. */
async function liveRecords(kinesis: KinesisClient, StreamName: string) {
  const chains = new KeyChains();
  const shards: Shard[] = [];
  for (let NextToken: string | undefined, first = true; first || NextToken; first = false) {
    const page = await kinesis.send(new ListShardsCommand(NextToken ? { NextToken } : { StreamName }));
    shards.push(...(page.Shards ?? []));
    NextToken = page.NextToken;
  }
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
        chains.add(record.PartitionKey ?? '', record.Data ?? new Uint8Array());
      if (!page.Records?.length && (page.MillisBehindLatest ?? 0) === 0) break;
      iterator = page.NextShardIterator;
      await sleep(Math.max(0, READ_INTERVAL_MS - (Date.now() - started)));
    }
  }
  return chains.picture();
}

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

async function waitActive(kinesis: KinesisClient, StreamName: string) {
  await waitUntilStreamExists(
    { client: kinesis, maxWaitTime: 600, minDelay: 1, maxDelay: 10 },
    { StreamName },
  );
}

/** Brings the named settings of a stream to the backup's, waiting for ACTIVE after each change. */
async function applySettings(
  kinesis: KinesisClient,
  StreamName: string,
  config: StreamConfig,
  desired: ReturnType<typeof streamShape>,
  current: ReturnType<typeof streamShape>,
  context: RestoreContext,
  notes: string[],
) {
  const fields = new Set(diffFields(current, desired).map((field) => field.field.split('.')[0]));
  if (fields.has('OpenShardCount') && desired.OpenShardCount !== null) {
    await kinesis.send(
      new UpdateShardCountCommand({
        StreamName,
        TargetShardCount: desired.OpenShardCount,
        ScalingType: 'UNIFORM_SCALING',
      }),
    );
    await waitActive(kinesis, StreamName);
  }
  if (fields.has('RetentionPeriodHours')) {
    const RetentionPeriodHours = desired.RetentionPeriodHours;
    await kinesis.send(
      RetentionPeriodHours > current.RetentionPeriodHours
        ? new IncreaseStreamRetentionPeriodCommand({ StreamName, RetentionPeriodHours })
        : new DecreaseStreamRetentionPeriodCommand({ StreamName, RetentionPeriodHours }),
    );
    await waitActive(kinesis, StreamName);
  }
  if (fields.has('EncryptionType') && desired.EncryptionType === 'KMS') {
    const key = config.encryption.keyId ?? 'alias/aws/kinesis';
    const regional = key.startsWith('arn:') && context.sourceRegion !== context.targetRegion;
    if (regional)
      notes.push(
        'encrypted with the AWS managed key: the recorded customer key belongs to the source region',
      );
    await kinesis.send(
      new StartStreamEncryptionCommand({
        StreamName,
        EncryptionType: 'KMS',
        KeyId: regional ? 'alias/aws/kinesis' : context.mapper.mapArn(key),
      }),
    );
    await waitActive(kinesis, StreamName);
  }
  if (fields.has('Tags')) {
    const extra = Object.keys(current.Tags).filter((key) => !(key in desired.Tags));
    if (extra.length) await kinesis.send(new RemoveTagsFromStreamCommand({ StreamName, TagKeys: extra }));
    if (Object.keys(desired.Tags).length)
      await kinesis.send(new AddTagsToStreamCommand({ StreamName, Tags: desired.Tags }));
  }
  if (fields.has('Consumers')) {
    const StreamARN = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName })))
      .StreamDescriptionSummary?.StreamARN;
    for (const ConsumerName of desired.Consumers.filter((name) => name && !current.Consumers.includes(name)))
      await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN, ConsumerName }));
  }
}

/** Restores one stream (settings and records) into `context.targetRegion`. */
export async function restoreStream(item: ItemResult, context: RestoreContext): Promise<RestoreResult> {
  const { store } = context;
  const name = context.mapper.mapName('kinesis-stream', item.name);
  const kinesis = client(KinesisClient, context.targetRegion);
  const parts = recordParts(item);
  const stored = countOf(item, 'records', 'records');
  const recordsResource = `records of stream ${name}`;

  const plan = async (): Promise<DataPlan<PartPosition>> => {
    const notes: string[] = [];
    const details: Record<string, unknown> = { records: stored };
    if ((item.summary?.notCaptured as string[] | undefined)?.includes('data'))
      notes.push(`run ${context.runId} captured the configuration only: no records to replay`);
    const config = await storedDocument<StreamConfig>(store, item, 'config');
    const openShards = config.shards.filter(
      (shard) => !shard.SequenceNumberRange?.EndingSequenceNumber,
    ).length;
    const desired = streamShape(
      {
        OpenShardCount: openShards,
        ...config.summary,
        StreamModeDetails: { StreamMode: config.streamMode as never },
      } as StreamDescriptionSummary,
      config.tags,
      config.consumers,
    );
    const found = await ifExists(() => kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name })));
    const summary = found?.StreamDescriptionSummary;
    const current = summary && (await liveShape(kinesis, summary));
    const change: Change = await reconcile(context, {
      resource: `stream ${name}`,
      current,
      desired,
      create: async () => {
        const provisioned = desired.StreamMode === 'PROVISIONED';
        await kinesis.send(
          new CreateStreamCommand({
            StreamName: name,
            ShardCount: provisioned ? (desired.OpenShardCount ?? 1) : undefined,
            StreamModeDetails: { StreamMode: desired.StreamMode as never },
          }),
        );
        await waitActive(kinesis, name);
        const created = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name })))
          .StreamDescriptionSummary as StreamDescriptionSummary;
        await applySettings(
          kinesis,
          name,
          config,
          desired,
          await liveShape(kinesis, created),
          context,
          notes,
        );
      },
      update: async () =>
        applySettings(
          kinesis,
          name,
          config,
          desired,
          current as ReturnType<typeof streamShape>,
          context,
          notes,
        ),
    });
    let live: { records: number; keys: number; checksum: string } | undefined;
    const readLive = async () => {
      live ??= await liveRecords(kinesis, name);
      return live;
    };
    const data = await decideData(context, {
      resource: recordsResource,
      empty: !summary || (await readLive()).records === 0,
      stored,
      compare: async (): Promise<FieldChange[]> => {
        const backup = await storedRecords(store, parts);
        Object.assign(details, { keys: backup.keys, checksum: backup.checksum });
        return diffFields(await readLive(), backup);
      },
      note: stored > 0 ? `${stored} records, replayed per partition key in order` : undefined,
    });
    if (data.load && summary)
      notes.push('the replay appends the backed-up records after the records the stream holds');
    return {
      changes: [change, data.change],
      notes,
      details,
      load: data.load && parts.length ? START : undefined,
    };
  };

  return runDataRestore(context, PartPosition, plan, (from) =>
    replayRecords(kinesis, name, recordsFrom<RecordLine>(store, parts, from), from, context.deadline),
  );
}
