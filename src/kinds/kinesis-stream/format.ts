import {
  type Consumer,
  EncryptionType,
  type Shard,
  type StreamDescriptionSummary,
  StreamMode,
  type Tag,
} from '@aws-sdk/client-kinesis';
import { z } from 'zod';
import { parseOrThrow } from '../../../schemas/common.js';
import type { ItemResult } from '../../../schemas/work-item.js';
import { type PartPosition, recordsFrom, START, storedDocument } from '../../reconcile/data.js';
import type { BackupStore } from '../../store/store.js';

/**
 * What a Kinesis stream's backup stores, and how it is read back: `config.json` (the stream's
 * settings, shards, tags and consumers) and gzip NDJSON record parts, one line per record,
 * `records/c<chunk>-<shardId>.ndjson.gz`; and the cursor a backup step hands to the next one.
 * Everything read back is parsed with these schemas.
 */

/**
 * An AWS SDK shape stored as the SDK returned it: the fields the code relies on are checked, the
 * rest is kept as stored (after JSON, timestamps are ISO strings, not Dates), typed as the SDK type.
 */
const sdkShape = <T>(checked: { [K in keyof T]?: z.ZodType }) =>
  z.looseObject(checked as z.ZodRawShape).transform((value) => value as T);

const StoredShard = sdkShape<Shard>({
  ShardId: z.string(),
  SequenceNumberRange: z.looseObject({ EndingSequenceNumber: z.string().optional() }).optional(),
});
const StoredTag = sdkShape<Tag>({ Key: z.string(), Value: z.string().optional() });
const StoredConsumer = sdkShape<Consumer>({ ConsumerName: z.string() });
const StoredSummary = sdkShape<StreamDescriptionSummary>({
  OpenShardCount: z.number().optional(),
  RetentionPeriodHours: z.number().optional(),
  EncryptionType: z.enum(EncryptionType).optional(),
});

/** `config.json`: the stream as DescribeStreamSummary, ListShards, ListTagsForStream and ListStreamConsumers saw it. */
export const StreamConfig = z.object({
  format: z.literal(1),
  region: z.string(),
  name: z.string(),
  arn: z.string(),
  streamMode: z.enum(StreamMode),
  retentionPeriodHours: z.number().optional(),
  encryption: z.object({ type: z.string(), keyId: z.string().optional() }),
  summary: StoredSummary.optional(),
  /** Every shard, closed parents included. */
  shards: z.array(StoredShard),
  tags: z.array(StoredTag),
  consumers: z.array(StoredConsumer),
});
export type StreamConfig = z.infer<typeof StreamConfig>;

/** One line of a records part. */
export const RecordLine = z.object({
  sequenceNumber: z.string(),
  partitionKey: z.string(),
  approximateArrivalTimestamp: z.string(),
  /** base64 */
  data: z.string(),
  encryptionType: z.string().optional(),
});
export type RecordLine = z.infer<typeof RecordLine>;

/** How a run read the stream (incremental.ts): what the item's summary and cursor say. */
export const IncrementalSummary = z.object({
  /** The run whose positions and parts were used. */
  from: z.string().optional(),
  /** Why every shard was read from TRIM_HORIZON (no usable earlier run). */
  reason: z.string().optional(),
  continued: z.number().int().nonnegative(),
  /** Shards read from TRIM_HORIZON although an earlier run was used, and why. */
  fromTrimHorizon: z.record(z.string(), z.string()),
  carriedParts: z.number().int().nonnegative(),
  carriedRecords: z.number().int().nonnegative(),
  /** Parts of the earlier run not carried: all their records are past retention, or their shard is gone. */
  droppedParts: z.number().int().nonnegative(),
});
export type IncrementalSummary = z.infer<typeof IncrementalSummary>;

/** The cursor of an unfinished backup step (the state machine hands it back to the next step). */
export const BackupCursor = z.object({
  chunk: z.number().int().nonnegative(),
  /** Epoch ms when the item started: a shard that reaches records newer than this is done. */
  started: z.number().int().nonnegative(),
  /** Per shard: the last sequence number stored, and whether the shard is finished. */
  shards: z.record(z.string(), z.object({ seq: z.string().optional(), done: z.boolean() })),
  records: z.number().int().nonnegative(),
  /** How this run reads the stream: continuing an earlier run's positions, or from TRIM_HORIZON (incremental.ts). */
  incremental: IncrementalSummary.optional(),
});
export type BackupCursor = z.infer<typeof BackupCursor>;
export type ShardState = BackupCursor['shards'][string];

/** What a step reports in the item's summary that a restore reads back. */
const StepSummary = z.looseObject({ notCaptured: z.array(z.string()).optional() });

/** The stored config.json of an item, parsed. */
export async function storedConfig(store: BackupStore, item: ItemResult): Promise<StreamConfig> {
  const document = await storedDocument<unknown>(store, item, 'config');
  return parseOrThrow(StreamConfig, document, `config of stream ${item.name}`);
}

/** True when the run's policy left the records out (configuration only). */
export const dataNotCaptured = (item: ItemResult): boolean =>
  parseOrThrow(StepSummary, item.summary ?? {}, `summary of stream ${item.name}`).notCaptured?.includes(
    'data',
  ) ?? false;

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

/** The record lines of `paths` from `from` on, each parsed and with the position just after it. */
export async function* recordLinesFrom(
  store: BackupStore,
  paths: string[],
  from: PartPosition = START,
): AsyncGenerator<{ value: RecordLine; next: PartPosition }> {
  for await (const { value, next } of recordsFrom<unknown>(store, paths, from)) {
    // A cheap parse per line; the message naming the part and line is only built for a bad one.
    const line = RecordLine.safeParse(value);
    yield {
      value: line.success
        ? line.data
        : parseOrThrow(RecordLine, value, `record line ${next.line} of ${paths[next.part]}`),
      next,
    };
  }
}
