import { z } from 'zod';
import { parseOrThrow } from '../../schemas/common.js';
import { MANIFEST_FORMAT, Manifest } from '../../schemas/manifest.js';
import { RunPlan } from '../../schemas/run-input.js';
import { type ItemResult, WorkItem } from '../../schemas/work-item.js';
import { TriggervaultError } from '../errors.js';
import {
  afterManifest,
  applyRetention,
  manifestAdditions,
  type PolicyOutcome,
} from '../policy/finalize-policy.js';
import { RunCatalog } from '../store/catalog.js';
import { distinctArtifacts } from '../store/integrity.js';
import { planKey, workKey } from '../store/layout.js';
import { writeManifest } from '../store/manifest-write.js';
import { openStore } from '../store/open.js';
import type { BackupStore } from '../store/store.js';
import { damageFound, type VerifyProgress } from './verify.js';

export { verifyRun } from './verify.js';

export interface RunRef {
  runId: string;
  store: string;
}

/** What Finalize needs of a finished Verify: the damage itself is read from the store. */
export type VerifyOutcome = Pick<VerifyProgress, 'attempt' | 'artifacts' | 'copies' | 'damaged'>;

const itemId = (item: { region: string; kind: string; name: string }) =>
  `${item.region}|${item.kind}|${item.name}`;

/**
 * The items the work lists of the run's regions name but that have no result: their child
 * execution ended without recording anything (even RecordFailure failed). They are failures.
 */
async function unrecordedItems(
  store: BackupStore,
  plan: RunPlan,
  results: ItemResult[],
): Promise<ItemResult[]> {
  const recorded = new Set(results.map(itemId));
  const missing: ItemResult[] = [];
  for (const region of plan.regions) {
    const listed = await store.getJson(workKey(plan.runId, region));
    if (listed === undefined) continue;
    for (const item of parseOrThrow(z.array(WorkItem), listed, `work list of ${region}`))
      if (!recorded.has(itemId(item)))
        missing.push({
          region: item.region,
          kind: item.kind,
          name: item.name,
          status: 'failed',
          artifacts: [],
          error: { name: 'FailureNotRecorded', message: 'the item ended without recording a result' },
        });
  }
  return missing;
}

/** An item still `running` at Finalize stopped between chunks and its failure could not be recorded. */
const stoppedBetweenChunks = (item: ItemResult): ItemResult =>
  item.status === 'running'
    ? {
        ...item,
        status: 'failed',
        error: {
          name: 'FailureNotRecorded',
          message: 'the item stopped between chunks without recording why',
        },
      }
    : item;

export interface RunSummary {
  runId: string;
  store: string;
  status: Manifest['status'];
  totals: Manifest['totals'];
  regions: Record<string, { items: number; failed: number }>;
  failed: { region: string; kind: string; name: string; error: string }[];
  damaged: string[];
  /** False only for a run finalized with allowUnsigned: every reader refuses it unless told too. */
  signed: boolean;
}

/** Finalize gives itself this long before the Lambda limit to return. */
const FINALIZE_MARGIN_MS = 30_000;

/**
 * The Finalize state: writes manifest.json last. Every item of the work lists is in it: an item
 * without a result, or still `running` (its child execution ended without recording why, see the
 * ASL's FailureNotRecorded), is a failed item, so the manifest says partial, never succeeded.
 */
export async function finalizeRun(
  ref: RunRef & { verification: VerifyOutcome },
  context: { remainingMs: number } = { remainingMs: 300_000 },
): Promise<RunSummary & PolicyOutcome> {
  const store = openStore(ref.store);
  const deadline = Date.now() + context.remainingMs - FINALIZE_MARGIN_MS;
  const plan = parseOrThrow(RunPlan, await store.getJson(planKey(ref.runId)), `plan of run ${ref.runId}`);
  const results = (await new RunCatalog(store).itemResults(ref.runId)).map(stoppedBetweenChunks);
  const items = [...results, ...(await unrecordedItems(store, plan, results))];
  const failed = items.filter((item) => item.status === 'failed');
  const artifacts = distinctArtifacts(items);
  const found = await damageFound(store, ref.runId, ref.verification.attempt);
  if (found.length !== ref.verification.damaged)
    throw new TriggervaultError(
      `run ${ref.runId}: Verify reported ${ref.verification.damaged} damaged artifacts, its files hold ${found.length}`,
    );
  const damaged = found.map((damage) => damage.path);
  const drafted: Manifest = {
    format: MANIFEST_FORMAT,
    runId: ref.runId,
    status: failed.length === 0 && damaged.length === 0 ? 'succeeded' : 'partial',
    startedAt: plan.startedAt,
    finishedAt: new Date().toISOString(),
    regions: plan.regions,
    include: plan.include,
    verified: {
      artifacts: ref.verification.artifacts,
      ...(ref.verification.copies ? { copies: ref.verification.copies } : {}),
      damaged,
    },
    totals: {
      items: items.length,
      failed: failed.length,
      artifacts: artifacts.length,
      bytes: artifacts.reduce((sum, artifact) => sum + artifact.bytes, 0),
    },
    items,
    ...(await manifestAdditions(store, plan, items, deadline)),
  };
  // Signed and written last, write-once; a retried Finalize finds its manifest and keeps it.
  const { manifest, signed } = await writeManifest(store, parseOrThrow(Manifest, drafted, 'manifest'), {
    allowUnsigned: plan.allowUnsigned,
  });
  const policyOutcome = await afterManifest(store, plan, manifest, deadline);
  const regions: RunSummary['regions'] = Object.fromEntries(
    plan.regions.map((region) => [region, { items: 0, failed: 0 }]),
  );
  for (const item of items) {
    const counts = regions[item.region] ?? { items: 0, failed: 0 };
    regions[item.region] = counts;
    counts.items += 1;
    if (item.status === 'failed') counts.failed += 1;
  }
  return {
    runId: ref.runId,
    store: ref.store,
    status: manifest.status,
    totals: manifest.totals,
    regions,
    // Capped: the summary travels between states (256 KB limit); the manifest lists every failure.
    failed: failed.slice(0, 100).map((item) => ({
      region: item.region,
      kind: item.kind,
      name: item.name,
      error: `${item.error?.name}: ${item.error?.message}`,
    })),
    // Capped like `failed`; the manifest lists every damaged artifact.
    damaged: damaged.slice(0, 100),
    signed,
    ...policyOutcome,
  };
}

/**
 * The Retention state (after Finalize, on its own role: the only one allowed to delete backups):
 * the run's policy applied to the store and to every copy Finalize made. A retention problem is
 * reported in the summary, never fails the run (the manifest is written).
 */
export async function retainRun(input: { summary: RunSummary & PolicyOutcome }) {
  const { summary } = input;
  const store = openStore(summary.store);
  const plan = parseOrThrow(
    RunPlan,
    await store.getJson(planKey(summary.runId)),
    `plan of run ${summary.runId}`,
  );
  return (await applyRetention(store, plan, summary.copies ?? [])) ?? null;
}
