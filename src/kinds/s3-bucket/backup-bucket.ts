import { S3Client } from '@aws-sdk/client-s3';
import { parseOrThrow } from '../../../schemas/common.js';
import type { Artifact, WorkItem } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { artifactKey } from '../../store/layout.js';
import { partFile, writeJsonArtifact, writeNdjsonPart } from '../../store/ndjson-part.js';
import { captures, configurationOnly } from '../shared/attributes.js';
import { envNumber, mapOrdered, StepBudget } from '../shared/pacing.js';
import type { BackupContext, BackupStep } from '../types.js';
import { type CopyJob, copyObject } from './copy-object.js';
import { BackupCursor, DELETED_KEYS_SAMPLE, type LargeCopy, type ObjectEntry } from './format.js';
import { CopyPausedError, LargeCopies } from './large-copy.js';
import {
  type Listed,
  listAfter,
  type Passed,
  PreviousIndex,
  previousIndexParts,
  previousRun,
  unchanged,
} from './objects-index.js';
import { readBucketConfig } from './settings.js';

/**
 * S3 buckets: configuration, and every object with its content type, metadata, tags and storage
 * class. The first step writes config.json (see settings.ts); every step then lists the bucket from
 * where the last one stopped, copies what changed since the latest earlier run (see copy-object.ts)
 * and writes one part of the objects index (see objects-index.ts for the layout and incremental runs).
 *
 * Requests. Besides the copies, one ListObjectsV2 per 1,000 objects. A step stops starting copies
 * when the next one would not finish before its deadline, and returns a cursor.
 */
const KIND = 's3-bucket' as const;
/** Assumed copy throughput when deciding whether an object still fits before the deadline. */
const COPY_BYTES_PER_MS = 50 * 1024;

const STOPPED = Symbol('stopped');

/** What one step did. */
interface Counts {
  objects: number;
  copied: number;
  reused: number;
  skipped: number;
  bytesCopied: number;
}

/** The first step: config.json, then where the objects begin (null: configuration only, done). */
async function firstStep(
  item: WorkItem,
  context: BackupContext,
  source: S3Client,
  artifacts: Artifact[],
): Promise<BackupCursor | null> {
  const config = await readBucketConfig(source, item.region, item.name);
  const key = artifactKey(item.runId, item.region, KIND, item.name, 'config.json');
  artifacts.push(await writeJsonArtifact(context.store, key, 'config', config));
  if (!captures(item, 'data')) return null;
  const runId = await previousRun(context.store, item.runId);
  return {
    chunk: 0,
    previous: { runId, part: 0 },
    objects: 0,
    copied: 0,
    reused: 0,
    skipped: 0,
    bytesCopied: 0,
    deleted: 0,
    deletedKeys: [],
    deletedComplete: true,
  };
}

/** One step of a bucket's backup (see the module comment). */
export async function backupBucket(item: WorkItem, context: BackupContext): Promise<BackupStep> {
  const target = context.store.s3;
  if (target?.bucket === item.name) {
    return {
      done: true,
      artifacts: [],
      summary: { skipped: 'the backup store bucket is never backed up into itself' },
    };
  }
  const source = client(S3Client, item.region);
  const budget = new StepBudget(context.deadline, context.chunkItems);
  const job: CopyJob = {
    bucket: item.name,
    runId: item.runId,
    source,
    store: context.store,
    target,
    large: new LargeCopies(context.store, item, budget),
  };
  const paused: LargeCopy[] = [];
  const artifacts: Artifact[] = [];
  const resumed =
    item.cursor === undefined ? undefined : parseOrThrow(BackupCursor, item.cursor, 's3-bucket cursor');
  const begun = resumed ?? (await firstStep(item, context, source, artifacts));
  if (!begun) return configurationOnly(artifacts);
  const start: BackupCursor = begun;
  const chunk = start.chunk + 1;
  const parts = await previousIndexParts(context.store, start.previous.runId, item);
  const previous = new PreviousIndex(
    context.store,
    parts,
    start.previous.part,
    start.after,
    DELETED_KEYS_SAMPLE,
  );
  const deleted = { count: start.deleted, keys: [...start.deletedKeys] };
  const countDeleted = (passed: Passed) => {
    deleted.count += passed.count;
    deleted.keys.push(...passed.sample.slice(0, DELETED_KEYS_SAMPLE - deleted.keys.length));
  };
  const state = {
    exhausted: false,
    stopped: false,
    started: 0,
    after: start.after,
    part: start.previous.part,
  };
  const counts: Counts = { objects: 0, copied: 0, reused: 0, skipped: 0, bytesCopied: 0 };

  const backupOne = async (
    listed: Listed,
  ): Promise<{ listed: Listed; entry?: ObjectEntry } | typeof STOPPED> => {
    if (state.stopped) return STOPPED;
    if (unchanged(listed.previous, listed.object)) {
      counts.reused += 1;
      return {
        listed,
        entry: {
          ...listed.previous,
          storageClass: listed.object.StorageClass ?? listed.previous.storageClass,
        },
      };
    }
    const size = listed.object.Size ?? 0;
    // Start a copy only if it should finish in time (the first one always starts: progress).
    if (state.started > 0 && !budget.hasTime(1000 + size / COPY_BYTES_PER_MS)) {
      state.stopped = true;
      return STOPPED;
    }
    state.started += 1;
    let entry: ObjectEntry | undefined;
    try {
      entry = await copyObject(job, listed.object);
    } catch (error) {
      // Objects still queued behind this one must not start: the step ends (paused) or fails.
      state.stopped = true;
      if (!(error instanceof CopyPausedError)) throw error;
      paused.push(error.copy);
      return STOPPED;
    }
    if (entry?.storedAt) {
      counts.copied += 1;
      counts.bytesCopied += entry.size;
    } else if (entry?.skipped) {
      counts.skipped += 1;
    }
    return { listed, entry };
  };

  async function* entries(): AsyncGenerator<ObjectEntry> {
    const listing = listAfter(source, item.name, start.after, budget, previous, state);
    for await (const outcome of mapOrdered(
      listing,
      envNumber('TRIGGERVAULT_S3_CONCURRENCY', 32),
      backupOne,
    )) {
      if (outcome === STOPPED) {
        state.stopped = true;
        return;
      }
      state.after = outcome.listed.object.Key;
      state.part = outcome.listed.part;
      countDeleted(outcome.listed.passed);
      if (outcome.entry) {
        counts.objects += 1;
        yield outcome.entry;
      }
    }
  }

  try {
    const key = artifactKey(item.runId, item.region, KIND, item.name, partFile('objects', chunk, 'index'));
    const part = await writeNdjsonPart(context.store, key, entries(), {
      role: 'objects-index',
      count: 'objects',
      extraCounts: () => ({ copied: counts.copied, reused: counts.reused }),
    });
    if (part) artifacts.push(part);
    // The whole bucket was listed: what is left of the earlier index was deleted since.
    if (state.exhausted && !state.stopped) countDeleted(await previous.drain());
  } finally {
    await previous.close();
  }
  const done = state.exhausted && !state.stopped;
  const next: BackupCursor = {
    chunk,
    after: state.after,
    previous: { runId: start.previous.runId, part: state.part },
    objects: start.objects + counts.objects,
    copied: start.copied + counts.copied,
    reused: start.reused + counts.reused,
    skipped: start.skipped + counts.skipped,
    bytesCopied: start.bytesCopied + counts.bytesCopied,
    deleted: deleted.count,
    deletedKeys: deleted.keys,
    deletedComplete: start.deletedComplete && previous.intact,
    ...(paused.length ? { largeCopies: paused } : {}),
  };
  const {
    chunk: _chunk,
    after: _after,
    previous: _previous,
    deleted: _deleted,
    deletedKeys: _deletedKeys,
    deletedComplete,
    largeCopies: _open,
    ...totals
  } = next;
  // Deletions are reported only when counted against a whole, readable earlier index.
  const deletions =
    start.previous.runId && deletedComplete ? { deleted: deleted.count, deletedKeys: deleted.keys } : {};
  return {
    done,
    cursor: done ? undefined : next,
    artifacts,
    summary: {
      ...totals,
      ...deletions,
      previousRun: start.previous.runId,
      mode: target ? 'server-side copy' : 'streamed',
    },
  };
}
