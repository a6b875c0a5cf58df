import { parseOrThrow } from '../../schemas/common.js';
import { MANIFEST_FORMAT, Manifest } from '../../schemas/manifest.js';
import { RunPlan } from '../../schemas/run-input.js';
import { TriggervaultError } from '../errors.js';
import { afterManifest, manifestAdditions, type PolicyOutcome } from '../policy/finalize-policy.js';
import { withBandwidthCap } from '../store/bandwidth.js';
import { RunCatalog } from '../store/catalog.js';
import { type Damage, distinctArtifacts, verifyArtifacts } from '../store/integrity.js';
import { manifestKey, planKey } from '../store/layout.js';
import { openStore } from '../store/open.js';

export interface RunRef {
  runId: string;
  store: string;
}

export interface VerifyOutcome {
  artifacts: number;
  damaged: Damage[];
}

/** The Verify state: re-reads every artifact the run's items recorded. */
export async function verifyRun(ref: RunRef & { maxBandwidth?: number | null }): Promise<VerifyOutcome> {
  const store = openStore(ref.store);
  const artifacts = distinctArtifacts(await new RunCatalog(store).itemResults(ref.runId));
  const damaged = await withBandwidthCap(ref.maxBandwidth, () => verifyArtifacts(store, artifacts));
  return { artifacts: artifacts.length, damaged };
}

export interface RunSummary {
  runId: string;
  store: string;
  status: Manifest['status'];
  totals: Manifest['totals'];
  regions: Record<string, { items: number; failed: number }>;
  failed: { region: string; kind: string; name: string; error: string }[];
  damaged: string[];
}

/** Finalize gives itself this long before the Lambda limit to return. */
const FINALIZE_MARGIN_MS = 30_000;

/**
 * The Finalize state: writes manifest.json last. Items still `running` mean the run is not
 * finished; that is an error, so no manifest can claim success for it.
 */
export async function finalizeRun(
  ref: RunRef & { verification: VerifyOutcome },
  context: { remainingMs: number } = { remainingMs: 300_000 },
): Promise<RunSummary & PolicyOutcome> {
  const store = openStore(ref.store);
  const deadline = Date.now() + context.remainingMs - FINALIZE_MARGIN_MS;
  const plan = parseOrThrow(RunPlan, await store.getJson(planKey(ref.runId)), `plan of run ${ref.runId}`);
  const items = await new RunCatalog(store).itemResults(ref.runId);
  const unfinished = items.filter((item) => item.status === 'running');
  if (unfinished.length) {
    throw new TriggervaultError(
      `run ${ref.runId} has unfinished items: ${unfinished.map((item) => `${item.kind}:${item.name}`).join(', ')}`,
    );
  }
  const failed = items.filter((item) => item.status === 'failed');
  const artifacts = distinctArtifacts(items);
  const damaged = ref.verification.damaged.map((damage) => damage.path);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    runId: ref.runId,
    status: failed.length === 0 && damaged.length === 0 ? 'succeeded' : 'partial',
    startedAt: plan.startedAt,
    finishedAt: new Date().toISOString(),
    regions: plan.regions,
    include: plan.include,
    verified: { artifacts: ref.verification.artifacts, damaged },
    totals: {
      items: items.length,
      failed: failed.length,
      artifacts: artifacts.length,
      bytes: artifacts.reduce((sum, artifact) => sum + artifact.bytes, 0),
    },
    items,
    ...(await manifestAdditions(store, plan, items, deadline)),
  };
  await store.putJson(manifestKey(ref.runId), parseOrThrow(Manifest, manifest, 'manifest'));
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
    damaged,
    ...policyOutcome,
  };
}
