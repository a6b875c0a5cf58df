import { parseOrThrow } from '../../schemas/common.js';
import { type Artifact, ItemResult, type StepResult, type WorkItem } from '../../schemas/work-item.js';
import { recordItemMetrics } from '../metrics.js';
import { withBandwidthCap } from '../store/bandwidth.js';
import { itemResultKey } from '../store/layout.js';
import { openStore } from '../store/open.js';
import type { BackupStore } from '../store/store.js';
import { backupItem } from './dispatch.js';

/** Optional cap on items per chunk (TRIGGERVAULT_CHUNK_ITEMS): small Lambdas, tests, smoother checkpoints. */
function chunkItems(): number | undefined {
  const value = Number(process.env.TRIGGERVAULT_CHUNK_ITEMS);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Leave this much of the Lambda time limit for writing the checkpoint. */
const SAFETY_MARGIN_MS = 60_000;

async function readItemResult(store: BackupStore, item: WorkItem): Promise<ItemResult | undefined> {
  const stored = await store.getJson(itemResultKey(item.runId, item.region, item.kind, item.name));
  return stored === undefined
    ? undefined
    : parseOrThrow(ItemResult, stored, `item result of ${item.kind} ${item.name}`);
}

const mergeArtifacts = (earlier: Artifact[], later: Artifact[]): Artifact[] => {
  const byPath = new Map(earlier.map((artifact) => [artifact.path, artifact]));
  for (const artifact of later) byPath.set(artifact.path, artifact);
  return [...byPath.values()];
};

/**
 * Runs one chunk of work for an item and checkpoints it in the store before answering, so an
 * interrupted run resumes where the last checkpoint left it and never repeats finished items.
 */
export function runBackupStep(item: WorkItem, remainingMs: number): Promise<StepResult> {
  // The item's transfers keep to the run's --max-bandwidth (carried by the item).
  return withBandwidthCap(item.maxBandwidth, () => backupStep(item, remainingMs));
}

async function backupStep(item: WorkItem, remainingMs: number): Promise<StepResult> {
  const store = openStore(item.store);
  const previous = await readItemResult(store, item);
  const reference = { region: item.region, kind: item.kind, name: item.name };
  if (previous?.status === 'ok') return { ...item, done: true, status: 'ok' };
  // A resumed run continues a chunked export, or retries a failed item, from its last checkpoint.
  const resumed = previous?.status === 'running' || previous?.status === 'failed' ? previous : undefined;
  const cursor = item.cursor ?? resumed?.cursor;
  const began = Date.now();
  const step = await backupItem(
    { ...item, cursor },
    {
      store,
      runId: item.runId,
      deadline: Date.now() + Math.max(remainingMs - SAFETY_MARGIN_MS, remainingMs / 2),
      chunkItems: chunkItems(),
    },
  );
  const result: ItemResult = {
    ...reference,
    status: step.done ? 'ok' : 'running',
    cursor: step.done ? undefined : step.cursor,
    artifacts: mergeArtifacts(resumed?.artifacts ?? [], step.artifacts),
    summary: step.summary ?? resumed?.summary,
    durationMs: (resumed?.durationMs ?? 0) + (Date.now() - began),
  };
  await store.putJson(itemResultKey(item.runId, item.region, item.kind, item.name), result);
  recordItemMetrics(result, step.done, Date.now() - began);
  return { ...item, cursor: step.done ? undefined : step.cursor, done: step.done, status: result.status };
}

/** The Catch path: one failed item is recorded, never fails the run. */
export async function recordFailure(
  item: WorkItem,
  error: { name: string; message: string },
): Promise<StepResult> {
  const store = openStore(item.store);
  const previous = await readItemResult(store, item).catch(() => undefined);
  const result: ItemResult = {
    region: item.region,
    kind: item.kind,
    name: item.name,
    status: 'failed',
    artifacts: previous?.artifacts ?? [],
    cursor: previous?.cursor,
    error,
    durationMs: previous?.durationMs,
  };
  await store.putJson(itemResultKey(item.runId, item.region, item.kind, item.name), result);
  recordItemMetrics(result, true, 0);
  return { ...item, done: true, status: 'failed' };
}
