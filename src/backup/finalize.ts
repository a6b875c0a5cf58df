import { parseOrThrow } from '../../schemas/common.js';
import { MANIFEST_FORMAT, Manifest } from '../../schemas/manifest.js';
import { RunPlan } from '../../schemas/run-input.js';
import { TriggervaultError } from '../errors.js';
import {
  afterManifest,
  applyRetention,
  manifestAdditions,
  type PolicyOutcome,
} from '../policy/finalize-policy.js';
import { RunCatalog } from '../store/catalog.js';
import { type Damage, distinctArtifacts } from '../store/integrity.js';
import { planKey } from '../store/layout.js';
import { writeManifest } from '../store/manifest-write.js';
import { openStore } from '../store/open.js';
import { checkEntries, verificationList } from './verify.js';

export interface RunRef {
  runId: string;
  store: string;
}

export interface VerifyOutcome {
  artifacts: number;
  /** Object copies checked (by their stored checksum or ETag: see backup/verify.ts). */
  copies?: number;
  damaged: Damage[];
}

/** The Verify state: re-reads every artifact the run's items recorded, and checks every object copy. */
export async function verifyRun(ref: RunRef): Promise<VerifyOutcome> {
  const store = openStore(ref.store);
  const entries = verificationList(await new RunCatalog(store).itemResults(ref.runId));
  const { artifacts, copies, damaged } = await checkEntries(store, entries, { deep: false });
  return { artifacts, copies, damaged };
}

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
    damaged,
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
