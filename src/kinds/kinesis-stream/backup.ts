import {
  type _Record,
  type Consumer,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamConsumersCommand,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  type Shard,
  type Tag,
} from '@aws-sdk/client-kinesis';
import { z } from 'zod';
import { parseOrThrow } from '../../../schemas/common.js';
import type { Artifact } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { isThrottle } from '../../aws/errors.js';
import { mapLimit } from '../../concurrency.js';
import { selectNames } from '../../glob.js';
import { artifactKey } from '../../store/layout.js';
import { partFile, writeJsonArtifact, writeNdjsonPart } from '../../store/ndjson-part.js';
import { captures, configurationOnly } from '../shared/attributes.js';
import { Backoff, envNumber, StepBudget, sleep } from '../shared/pacing.js';
import type { ResourceKind } from '../types.js';
import { restoreStream } from './restore.js';

/**
 * Kinesis data streams: configuration (summary, retention, encryption, every shard including closed
 * parents, tags, consumers) and the records still retained. Each shard is read from TRIM_HORIZON
 * (or after the last sequence number a previous step stored) until it is caught up, closed, or has
 * passed the moment the backup started; shards are read in parallel, one gzip NDJSON part per
 * shard per step, in shard order.
 */
const KIND = 'kinesis-stream' as const;
const MAX_GET_RECORDS = 10_000;
/** GetRecords allows 5 calls per second per shard. */
const MIN_CALL_INTERVAL_MS = 200;

const Cursor = z.object({
  chunk: z.number().int().nonnegative(),
  /** Epoch ms when the item started: a shard that reaches records newer than this is done. */
  started: z.number().int().nonnegative(),
  /** Per shard: the last sequence number stored, and whether the shard is finished. */
  shards: z.record(z.string(), z.object({ seq: z.string().optional(), done: z.boolean() })),
  records: z.number().int().nonnegative(),
});
type Cursor = z.infer<typeof Cursor>;
type ShardState = Cursor['shards'][string];

/** One line of a records part. */
export interface RecordLine {
  sequenceNumber: string;
  partitionKey: string;
  approximateArrivalTimestamp: string;
  /** base64 */
  data: string;
  encryptionType?: string;
}

async function listShards(kinesis: KinesisClient, stream: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let NextToken: string | undefined;
  do {
    // The stream name and a NextToken must not be sent together.
    const page = await kinesis.send(
      new ListShardsCommand(NextToken ? { NextToken } : { StreamName: stream }),
    );
    shards.push(...(page.Shards ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return shards;
}

async function listTags(kinesis: KinesisClient, stream: string): Promise<Tag[]> {
  const tags: Tag[] = [];
  let ExclusiveStartTagKey: string | undefined;
  for (;;) {
    const page = await kinesis.send(
      new ListTagsForStreamCommand({ StreamName: stream, ExclusiveStartTagKey }),
    );
    tags.push(...(page.Tags ?? []));
    ExclusiveStartTagKey = page.Tags?.at(-1)?.Key;
    if (!page.HasMoreTags || !ExclusiveStartTagKey) return tags;
  }
}

async function listConsumers(kinesis: KinesisClient, arn: string): Promise<Consumer[]> {
  const consumers: Consumer[] = [];
  let NextToken: string | undefined;
  do {
    const page = await kinesis.send(
      new ListStreamConsumersCommand(NextToken ? { StreamARN: arn, NextToken } : { StreamARN: arn }),
    );
    consumers.push(...(page.Consumers ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return consumers;
}

async function readStreamConfig(kinesis: KinesisClient, region: string, stream: string) {
  const { StreamDescriptionSummary: summary } = await kinesis.send(
    new DescribeStreamSummaryCommand({ StreamName: stream }),
  );
  const arn = summary?.StreamARN as string;
  const [shards, tags, consumers] = await Promise.all([
    listShards(kinesis, stream),
    listTags(kinesis, stream),
    listConsumers(kinesis, arn),
  ]);
  return {
    format: 1,
    region,
    name: stream,
    arn,
    streamMode: summary?.StreamModeDetails?.StreamMode ?? 'PROVISIONED',
    retentionPeriodHours: summary?.RetentionPeriodHours,
    encryption: { type: summary?.EncryptionType ?? 'NONE', keyId: summary?.KeyId },
    summary,
    shards,
    tags,
    consumers,
  };
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

interface ShardReader {
  kinesis: KinesisClient;
  stream: string;
  budget: StepBudget;
  started: number;
}

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
 * one call (progress even when a step starts late). Paced to the shard's 5 calls per second, backs
 * off when throttled, and renews an expired iterator from the last stored sequence number.
 */
async function* readShard(
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
  while (!state.done) {
    const room = budget.maxItems - held;
    if (room <= 0) break;
    const pace = calls > 0 ? Math.max(0, MIN_CALL_INTERVAL_MS - (Date.now() - lastCall)) : 0;
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

export const kinesisStream: ResourceKind = {
  kind: KIND,
  restore: restoreStream,

  async discover(region, { patterns }) {
    if (patterns.length === 0) return [];
    const kinesis = client(KinesisClient, region);
    const names: string[] = [];
    let NextToken: string | undefined;
    let ExclusiveStartStreamName: string | undefined;
    for (;;) {
      const page = await kinesis.send(
        new ListStreamsCommand(NextToken ? { NextToken } : { ExclusiveStartStreamName }),
      );
      names.push(...(page.StreamNames ?? []));
      if (!page.HasMoreStreams) break;
      NextToken = page.NextToken;
      ExclusiveStartStreamName = page.StreamNames?.at(-1);
      if (!NextToken && !ExclusiveStartStreamName) break;
    }
    return selectNames(names, patterns);
  },

  async backup(item, context) {
    const kinesis = client(KinesisClient, item.region);
    const budget = new StepBudget(context.deadline, context.chunkItems);
    const artifacts: Artifact[] = [];
    let cursor =
      item.cursor === undefined ? undefined : parseOrThrow(Cursor, item.cursor, 'kinesis-stream cursor');
    let shards: Shard[];
    if (!cursor) {
      const config = await readStreamConfig(kinesis, item.region, item.name);
      const key = artifactKey(item.runId, item.region, KIND, item.name, 'config.json');
      artifacts.push(await writeJsonArtifact(context.store, key, 'config', config));
      if (!captures(item, 'data')) return configurationOnly(artifacts);
      cursor = { chunk: 0, started: Date.now(), shards: {}, records: 0 };
      shards = config.shards;
    } else {
      shards = await listShards(kinesis, item.name);
    }
    // Shards appear (resharding) and expire (retention) between steps: follow the current list.
    const listed = new Set(shards.map((shard) => shard.ShardId as string));
    const states: Cursor['shards'] = {};
    for (const id of [...new Set([...Object.keys(cursor.shards), ...listed])].sort()) {
      const state = cursor.shards[id] ?? { done: false };
      states[id] = listed.has(id) ? { ...state } : { ...state, done: true };
    }
    const chunk = cursor.chunk + 1;
    const reader: ShardReader = { kinesis, stream: item.name, budget, started: cursor.started };
    const parts: Artifact[] = [];
    const pending = Object.entries(states).filter(([, state]) => !state.done);
    await mapLimit(pending, envNumber('TRIGGERVAULT_SHARD_CONCURRENCY', 16), async ([shardId, state]) => {
      const key = artifactKey(item.runId, item.region, KIND, item.name, partFile('records', chunk, shardId));
      const part = await writeNdjsonPart(context.store, key, readShard(reader, shardId, state), {
        role: 'records',
        count: 'records',
      });
      if (part) parts.push(part);
    });
    parts.sort((a, b) => a.path.localeCompare(b.path));
    const written = parts.reduce((sum, part) => sum + (part.counts?.records ?? 0), 0);
    const next: Cursor = {
      chunk,
      started: cursor.started,
      shards: states,
      records: cursor.records + written,
    };
    const done = Object.values(states).every((state) => state.done);
    return {
      done,
      cursor: done ? undefined : next,
      artifacts: [...artifacts, ...parts],
      summary: {
        shards: listed.size,
        shardsDone: Object.values(states).filter((s) => s.done).length,
        records: next.records,
      },
    };
  },
};

export default kinesisStream;
