import type { Artifact, WorkItem } from '../../../schemas/work-item.js';
import { logger } from '../../log.js';
import { RunCatalog } from '../../store/catalog.js';
import type { BackupStore } from '../../store/store.js';
import { type IncrementalSummary, StreamConfig } from './format.js';
import { type PartStats, readRecordedJson, recordedPositions } from './positions.js';

/**
 * Incremental stream backups: a run reads each shard after the last record the previous complete
 * run stored, and carries that run's parts over instead of reading their records again.
 *
 * Layout decision: record parts live under `blobs/parts/…/<run>/` (store/layout.ts `sharedPartKey`),
 * written once by the run that read them, and every later run that still holds their records lists
 * them in its own manifest, beside the parts it read itself. So each run's manifest alone restores
 * the stream (its artifacts are every part, in shard and chunk order: chunk numbers continue from
 * run to run), verify re-reads all of them, and retention keeps a part while any kept run lists it
 * (prune collects `blobs/parts/` like the content-addressed blobs). Referencing the earlier run's own
 * files (`runs/<earlier>/…`) instead would tie a run's life to the runs before it, and copying them
 * would store the whole retained stream again every run.
 *
 * Per shard, the previous run's position is used while it is inside the stream's retention (with a
 * margin); otherwise, and for shards the previous run did not know (the shard set changed), the shard
 * is read from TRIM_HORIZON and the item's summary says why. A carried part is dropped once its
 * newest record is past retention (the stream no longer has any of it); a part that straddles the
 * retention boundary is kept whole, so a run may hold a few records a full read no longer finds.
 */

/** A position this close to the retention boundary is treated as expired: Kinesis may trim any moment. */
export const EXPIRY_MARGIN_MS = 10 * 60_000;
/** Runs looked at (newest first) for one that holds the stream, before reading it whole. */
const MAX_RUNS_WALKED = 50;
const HOUR_MS = 3_600_000;

/** What an earlier run recorded about the stream. */
export interface PreviousBackup {
  runId: string;
  /** The shard ids its config.json listed. */
  shards: string[];
  parts: PartStats[];
  artifacts: Artifact[];
}

export interface IncrementalPlan {
  /** Per shard of the stream now: the sequence number to read after; none: from TRIM_HORIZON. */
  starts: Record<string, { seq?: string }>;
  carried: PartStats[];
  /** The carried parts' artifacts, with files kept beside them (lookups), as the earlier run recorded them. */
  carriedArtifacts: Artifact[];
  /** The highest chunk number the carried parts use: this run's parts number on from it. */
  chunk: number;
  summary: IncrementalSummary;
}

const fullRead = (shards: string[], reason: string): IncrementalPlan => ({
  starts: Object.fromEntries(shards.map((id) => [id, {}])),
  carried: [],
  carriedArtifacts: [],
  chunk: 0,
  summary: {
    reason,
    continued: 0,
    fromTrimHorizon: {},
    carriedParts: 0,
    carriedRecords: 0,
    droppedParts: 0,
  },
});

const stem = (path: string) => path.replace(/\.ndjson\.gz$/, '');

/**
 * Decides, shard by shard, where this run reads and which earlier parts it keeps. Pure: `now` is
 * the backup's clock, `retentionHours` the stream's retention as read now.
 */
export function planShards(
  previous: PreviousBackup | { reason: string },
  shards: string[],
  retentionHours: number,
  now: number,
): IncrementalPlan {
  if ('reason' in previous) return fullRead(shards, previous.reason);
  const cutoff = now - retentionHours * HOUR_MS + EXPIRY_MARGIN_MS;
  const recorded = new Map(
    previous.artifacts.filter((a) => a.role === 'records').map((artifact) => [artifact.path, artifact]),
  );
  const missing = previous.parts.find((part) => !recorded.has(part.path));
  if (missing)
    return fullRead(
      shards,
      `run ${previous.runId}: positions name ${missing.path}, which its manifest does not list`,
    );
  const known = new Set(previous.shards);
  const plan: IncrementalPlan = {
    starts: {},
    carried: [],
    carriedArtifacts: [],
    chunk: previous.parts.reduce((highest, part) => Math.max(highest, part.chunk), 0),
    summary: {
      from: previous.runId,
      continued: 0,
      fromTrimHorizon: {},
      carriedParts: 0,
      carriedRecords: 0,
      droppedParts: 0,
    },
  };
  const { summary } = plan;
  for (const shardId of shards) {
    const parts = previous.parts.filter((part) => part.shardId === shardId).sort((a, b) => a.chunk - b.chunk);
    const last = parts.at(-1);
    if (!known.has(shardId)) {
      plan.starts[shardId] = {};
      summary.fromTrimHorizon[shardId] = `new since run ${previous.runId} (the shard set changed)`;
    } else if (last && Date.parse(last.lastArrival) < cutoff) {
      plan.starts[shardId] = {};
      summary.fromTrimHorizon[shardId] =
        `position expired: the last record stored arrived ${last.lastArrival}, outside the stream's ${retentionHours} h retention`;
    } else {
      // No parts: the shard held nothing then, so everything in it now is new (TRIM_HORIZON is exact).
      plan.starts[shardId] = last ? { seq: last.lastSeq } : {};
      summary.continued += 1;
      plan.carried.push(...parts.filter((part) => Date.parse(part.lastArrival) >= cutoff));
    }
  }
  summary.droppedParts = previous.parts.length - plan.carried.length;
  for (const part of plan.carried) {
    const artifact = recorded.get(part.path) as Artifact;
    summary.carriedParts += 1;
    summary.carriedRecords += artifact.counts?.records ?? part.records;
    const beside = `${stem(part.path)}.`;
    plan.carriedArtifacts.push(
      artifact,
      ...previous.artifacts.filter((other) => other.path !== part.path && other.path.startsWith(beside)),
    );
  }
  return plan;
}

/**
 * The newest complete run before this one that backed the stream up, with its positions, or why
 * there is none to continue from. A run older than the stream's retention is not looked for.
 */
export async function previousBackup(
  store: BackupStore,
  item: WorkItem,
  retentionHours: number,
  now: number,
): Promise<PreviousBackup | { reason: string }> {
  const oldest = now - retentionHours * HOUR_MS;
  let walked = 0;
  try {
    for await (const manifest of new RunCatalog(store).completeRuns({ before: item.runId })) {
      walked += 1;
      if (Date.parse(manifest.startedAt) < oldest || walked > MAX_RUNS_WALKED) break;
      const entry = manifest.items.find(
        (candidate) =>
          candidate.region === item.region && candidate.kind === item.kind && candidate.name === item.name,
      );
      if (!entry) continue;
      const run = manifest.runId;
      if (entry.status !== 'ok') return { reason: `run ${run}, the last to back it up, failed it` };
      if (!entry.artifacts.some((artifact) => artifact.role === 'positions'))
        return { reason: `run ${run} stored no record positions (configuration only, or an older format)` };
      const positions = await recordedPositions(store, entry.artifacts);
      if ('problem' in positions) return { reason: `run ${run}: ${positions.problem}` };
      const configArtifact = entry.artifacts.find((artifact) => artifact.role === 'config');
      const config = configArtifact && (await readRecordedJson(store, configArtifact));
      const parsed = config && 'value' in config ? StreamConfig.safeParse(config.value) : undefined;
      if (!parsed?.success) return { reason: `run ${run}: its config.json cannot be read back` };
      return {
        runId: run,
        shards: parsed.data.shards.map((shard) => shard.ShardId as string),
        parts: positions.parts,
        artifacts: entry.artifacts,
      };
    }
  } catch (error) {
    // A damaged earlier run never blocks a backup: it only makes this one read everything.
    logger.warn('earlier runs unreadable, reading the stream whole', { error: String(error) });
    return { reason: `earlier runs could not be read: ${(error as Error).message}` };
  }
  return { reason: 'no earlier complete run within the retention period backed it up' };
}
