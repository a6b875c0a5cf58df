import { KinesisClient, type Shard } from '@aws-sdk/client-kinesis';
import { parseOrThrow } from '../../../schemas/common.js';
import type { Artifact, WorkItem } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { mapLimit } from '../../concurrency.js';
import { writeBlockedPart } from '../../store/blocked-part.js';
import { artifactKey, sharedPartKey } from '../../store/layout.js';
import { partFile, writeJsonArtifact } from '../../store/ndjson-part.js';
import { captures, configurationOnly } from '../shared/attributes.js';
import { envNumber, StepBudget } from '../shared/pacing.js';
import type { BackupContext, BackupStep } from '../types.js';
import { readStreamConfig } from './backup-config.js';
import { readShard, type ShardReader } from './backup-shard.js';
import { BackupCursor, type RecordLine } from './format.js';
import { planShards, previousBackup } from './incremental.js';
import { type PartStats, PartTracker, writePositions } from './positions.js';
import { listShards } from './streams.js';

/**
 * Kinesis data streams: configuration (summary, retention, encryption, every shard including closed
 * parents, tags, consumers) and the records still retained. Each shard is read after the last record
 * the previous complete run stored while that position is within retention, else from TRIM_HORIZON
 * (incremental.ts), then after the last sequence number a previous step stored, until it is caught
 * up, closed, or has passed the moment the backup started; shards are read in parallel, one gzip
 * NDJSON part per shard per step (under blobs/parts/, so later runs can list it too), with a small
 * positions document per step (positions.ts).
 */
const KIND = 'kinesis-stream' as const;

/**
 * What the parts' lookup documents keep of the records, so that a record restore reads only the blocks
 * it needs: the arrival-time range of each block (a shard's records arrive in order) and a Bloom filter
 * of its partition keys.
 */
const RECORD_KEYS = {
  range: { name: 'approximate arrival', of: (line: RecordLine) => line.approximateArrivalTimestamp },
  bloom: { name: 'partition key', of: (line: RecordLine) => line.partitionKey },
};

/** One backup step of a stream: the configuration on the first step, then records until done or the deadline. */
export async function backupStream(item: WorkItem, context: BackupContext): Promise<BackupStep> {
  const kinesis = client(KinesisClient, item.region);
  const budget = new StepBudget(context.deadline, context.chunkItems);
  const artifacts: Artifact[] = [];
  let cursor =
    item.cursor === undefined ? undefined : parseOrThrow(BackupCursor, item.cursor, 'kinesis-stream cursor');
  let shards: Shard[];
  if (!cursor) {
    const config = await readStreamConfig(kinesis, item.region, item.name);
    const key = artifactKey(item.runId, item.region, KIND, item.name, 'config.json');
    artifacts.push(await writeJsonArtifact(context.store, key, 'config', config));
    if (!captures(item, 'data')) return configurationOnly(artifacts);
    const now = Date.now();
    const retention = config.retentionPeriodHours ?? 24;
    const ids = config.shards.map((shard) => shard.ShardId as string);
    const plan = planShards(await previousBackup(context.store, item, retention, now), ids, retention, now);
    artifacts.push(
      ...plan.carriedArtifacts,
      ...(await writePositions(context.store, item, 'carried', plan.carried)),
    );
    cursor = {
      chunk: plan.chunk,
      started: now,
      shards: Object.fromEntries(ids.map((id) => [id, { ...plan.starts[id], done: false }])),
      records: plan.summary.carriedRecords,
      incremental: plan.summary,
    };
    shards = config.shards;
  } else {
    shards = await listShards(kinesis, item.name);
  }
  // Shards appear (resharding) and expire (retention) between steps: follow the current list.
  const listed = new Set(shards.map((shard) => shard.ShardId as string));
  const states: BackupCursor['shards'] = {};
  for (const id of [...new Set([...Object.keys(cursor.shards), ...listed])].sort()) {
    const state = cursor.shards[id] ?? { done: false };
    states[id] = listed.has(id) ? { ...state } : { ...state, done: true };
  }
  const chunk = cursor.chunk + 1;
  const reader: ShardReader = { kinesis, stream: item.name, budget, started: cursor.started };
  const parts: Artifact[] = [];
  const positions: PartStats[] = [];
  const pending = Object.entries(states).filter(([, state]) => !state.done);
  await mapLimit(pending, envNumber('TRIGGERVAULT_SHARD_CONCURRENCY', 16), async ([shardId, state]) => {
    const key = sharedPartKey(item.runId, item.region, KIND, item.name, partFile('records', chunk, shardId));
    const tracker = new PartTracker(shardId, chunk);
    // Blocked (with a lookup document) so that records can be restored by key and time without
    // reading the whole part; tracked for the positions the next incremental run starts from.
    const written = await writeBlockedPart(
      context.store,
      key,
      tracker.track(readShard(reader, shardId, state)),
      {
        role: 'records',
        count: 'records',
        keys: RECORD_KEYS,
      },
    );
    const stats = tracker.stats(key);
    parts.push(...written);
    if (stats) positions.push(stats);
  });
  parts.sort((a, b) => a.path.localeCompare(b.path));
  positions.sort((a, b) => a.path.localeCompare(b.path));
  parts.push(...(await writePositions(context.store, item, `c${String(chunk).padStart(5, '0')}`, positions)));
  const written = positions.reduce((sum, part) => sum + part.records, 0);
  const next: BackupCursor = {
    chunk,
    started: cursor.started,
    shards: states,
    records: cursor.records + written,
    incremental: cursor.incremental,
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
      newRecords: next.records - (next.incremental?.carriedRecords ?? 0),
      ...(next.incremental ? { incremental: next.incremental } : {}),
    },
  };
}
