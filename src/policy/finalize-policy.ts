import type { ChangeReport, DeletionReport, RecoveryPoint } from '../../schemas/audit.js';
import type { Manifest } from '../../schemas/manifest.js';
import type { CopyTarget } from '../../schemas/policy.js';
import type { RunPlan } from '../../schemas/run-input.js';
import type { ItemResult } from '../../schemas/work-item.js';
import { detectChanges } from '../audit/changes.js';
import { attachWho } from '../audit/cloudtrail.js';
import { countDeletions } from '../audit/deletions.js';
import { runIndexOf, writeRunIndex } from '../audit/run-index.js';
import { recordDeletionMetrics, recordRunMetrics } from '../metrics.js';
import { type CopyOutcome, openCopyStore, replicateToTargets } from '../store/replicate.js';
import type { BackupStore } from '../store/store.js';
import { AwsBackupState } from './aws-backup.js';
import { pruneStore } from './prune.js';

/**
 * What Finalize adds for policies and the audit trail: before the manifest is written, the changes
 * since the previous run (with CloudTrail's who/when) and AWS Backup recovery points; after it, the
 * copies to other regions or directories, then retention (here and in each copy).
 */

/** Changes listed in the run summary (SNS); the manifest lists them all. */
const SUMMARY_CHANGES = 50;

export function recoveryPointsOf(items: ItemResult[]): RecoveryPoint[] {
  const points: RecoveryPoint[] = [];
  for (const item of items) {
    const state = AwsBackupState.safeParse(item.summary?.awsBackup);
    if (!state.success || !state.data.job.recoveryPointArn) continue;
    points.push({
      region: item.region,
      kind: item.kind,
      name: item.name,
      resourceArn: state.data.resourceArn,
      vault: state.data.vault,
      recoveryPointArn: state.data.job.recoveryPointArn,
      jobId: state.data.job.jobId,
      state: state.data.job.state,
      copies: state.data.copies.map((copy) => ({
        vaultArn: copy.vaultArn,
        recoveryPointArn: copy.recoveryPointArn,
        state: copy.state,
      })),
    });
  }
  return points;
}

/**
 * Manifest fields from the policy, the audit trail and AWS Backup, and the run's index (written
 * beside the run first) with what disappeared since the previous run.
 */
export async function manifestAdditions(
  store: BackupStore,
  plan: RunPlan,
  items: ItemResult[],
  deadline: number,
): Promise<Pick<Manifest, 'policy' | 'changes' | 'recoveryPoints' | 'index' | 'deletions'>> {
  const { index, ref } = await writeRunIndex(store, plan.runId, items);
  const { report, previous } = await detectChanges(
    store,
    { runId: plan.runId, regions: plan.regions, include: plan.include, policy: plan.policy?.name },
    items,
  );
  const deletions: DeletionReport | undefined = previous
    ? countDeletions(
        { manifest: previous, index: (await runIndexOf(store, previous)).index },
        { regions: plan.regions, include: plan.include, items, index },
      )
    : undefined;
  if (previous && report.functions.length)
    report.cloudTrail = await attachWho(report.functions, {
      start: new Date(previous.startedAt),
      end: new Date(),
      deadline,
    });
  const recoveryPoints = recoveryPointsOf(items);
  return {
    policy: plan.policy ? { name: plan.policy.name } : undefined,
    changes: report,
    recoveryPoints: recoveryPoints.length ? recoveryPoints : undefined,
    index: ref,
    deletions,
  };
}

/** Names per unit in the run summary (SNS); the manifest lists more, and the counts are exact. */
const SUMMARY_NAMES = 10;

/** The deletions as the run summary (SNS message) tells them: counts, the alarm's units, some names. */
const summaryDeletions = (deletions: DeletionReport) => ({
  ...deletions,
  units: Object.fromEntries(
    Object.entries(deletions.units).map(([unit, count]) => [
      unit,
      { ...count, names: count.names.slice(0, SUMMARY_NAMES) },
    ]),
  ),
});

export interface PolicyOutcome {
  changes?: { previousRunId?: string; total: number; functions: ChangeReport['functions'] };
  recoveryPoints?: number;
  copies?: Omit<CopyOutcome, 'damaged'>[];
  retention?: { deletedRuns: string[]; deletedBlobs: number; deferred?: string; error?: string };
  /** What disappeared since the previous run; `massDeletion` names the units over a threshold. */
  deletions?: ReturnType<typeof summaryDeletions>;
}

/**
 * The Retention state, after Finalize: the run's policy pruned in the store and in each copy made.
 * Deployed, it runs on the retention role, the only principal the bucket policy lets delete backups.
 */
export async function applyRetention(
  store: BackupStore,
  plan: RunPlan,
  copies: Pick<CopyOutcome, 'status'>[],
): Promise<PolicyOutcome['retention']> {
  const policy = plan.policy;
  if (!policy) return undefined;
  const options = { retention: { [policy.name]: policy.retention }, only: [policy.name], dryRun: false };
  try {
    const report = await pruneStore(store, options);
    for (const [index, copy] of copies.entries())
      if (copy.status === 'copied')
        await pruneStore(openCopyStore(policy.copies[index] as CopyTarget), options);
    return {
      deletedRuns: report.deletedRuns,
      deletedBlobs: report.blobs.deleted.length,
      deferred: report.blobs.deferred,
    };
  } catch (error) {
    // The manifest is written: a retention problem is reported, never fails the run.
    return {
      deletedRuns: [],
      deletedBlobs: 0,
      error: `${(error as Error).name}: ${(error as Error).message}`,
    };
  }
}

/** After the manifest: copies and run metrics; returns what the run summary reports (retention follows). */
export async function afterManifest(
  store: BackupStore,
  plan: RunPlan,
  manifest: Manifest,
  deadline: number,
): Promise<PolicyOutcome> {
  recordRunMetrics({
    runId: manifest.runId,
    status: manifest.status,
    startedAt: manifest.startedAt,
    finishedAt: manifest.finishedAt,
    policy: plan.policy?.name,
    totals: manifest.totals,
    damaged: manifest.verified.damaged.length,
  });
  if (manifest.deletions) recordDeletionMetrics(manifest.deletions, plan.policy?.name);
  const copies = plan.policy?.copies.length
    ? await replicateToTargets(store, manifest.runId, plan.policy.copies, deadline, {
        allowUnsigned: plan.allowUnsigned,
      })
    : [];
  const outcome: PolicyOutcome = {
    copies: copies.length ? copies.map(({ damaged: _damaged, ...rest }) => rest) : undefined,
    recoveryPoints: manifest.recoveryPoints?.length,
    deletions: manifest.deletions && summaryDeletions(manifest.deletions),
  };
  if (manifest.changes?.previousRunId)
    outcome.changes = {
      previousRunId: manifest.changes.previousRunId,
      total: manifest.changes.functions.length,
      // Field names only (values can be long), a few CloudTrail events: the summary stays small.
      functions: manifest.changes.functions.slice(0, SUMMARY_CHANGES).map((change) => ({
        ...change,
        config: change.config?.map(({ field }) => ({ field })),
        who: change.who?.slice(0, 3),
      })),
    };
  return outcome;
}
