import { Manifest } from '../../schemas/manifest.js';
import type { Retention } from '../../schemas/policy.js';
import { RunPlan } from '../../schemas/run-input.js';
import { mapLimit } from '../concurrency.js';
import { UntrustedManifestError } from '../errors.js';
import { MAX_MANIFEST_BYTES, RunCatalog } from '../store/catalog.js';
import { manifestKey, planKey, runPrefix, SHARED_PART_PREFIX } from '../store/layout.js';
import { ObjectLock } from '../store/object-lock.js';
import { type BackupStore, BLOB_PREFIX } from '../store/store.js';
import { decideRetention, type RetentionDecision } from './retention.js';

/** Runs made without a policy form this group. */
export const NO_POLICY = '(none)';

export interface PruneOptions {
  /** Retention per policy name; runs of a policy not listed here are kept. */
  retention: Record<string, Retention>;
  /** Only runs of these groups may go (Finalize prunes its own policy); default: every listed one. */
  only?: string[];
  dryRun: boolean;
  now?: Date;
}

export interface RunVerdict extends RetentionDecision {
  policy: string;
  /** The run is kept because S3 Object Lock still retains it. */
  locked?: string;
}

export interface PruneReport {
  store: string;
  dryRun: boolean;
  runs: RunVerdict[];
  /** Runs deleted (or, in a dry run, that would be). */
  deletedRuns: string[];
  blobs: {
    /** Content-addressed blobs no kept run references: deleted (or would be). */
    deleted: string[];
    locked: { key: string; reason: string }[];
    referenced: number;
    /** Why blobs were not collected this time (a run in progress, an unreadable manifest). */
    deferred?: string;
  };
}

interface StoredRun {
  runId: string;
  complete: boolean;
  policy: string;
  /** Blob keys the run references; undefined when they could not be read. */
  blobs?: Set<string>;
  /** The units whose deletions reached the alarm's threshold in this run. */
  massDeletion?: string[];
  /** Why the run's manifest is not trusted (unsigned, forged): it is kept, and never counted. */
  untrusted?: string;
}

/** Stored once and listed by every run that holds them: collected once no kept run lists them. */
const COLLECTED = [BLOB_PREFIX, SHARED_PART_PREFIX];
const blobPaths = (paths: string[]) =>
  new Set(paths.filter((path) => COLLECTED.some((prefix) => path.startsWith(prefix))));

/**
 * The blobs an untrusted manifest names, read without trusting it: only to keep more (a forged
 * manifest can make retention keep a blob, never delete one). Undefined when it does not parse.
 */
async function untrustedReferences(store: BackupStore, runId: string): Promise<Set<string> | undefined> {
  const raw = await store.getJson(manifestKey(runId), MAX_MANIFEST_BYTES).catch(() => undefined);
  const parsed = Manifest.safeParse(raw);
  return parsed.success
    ? blobPaths(parsed.data.items.flatMap((item) => item.artifacts.map((artifact) => artifact.path)))
    : undefined;
}

async function readRun(store: BackupStore, runId: string): Promise<StoredRun> {
  const catalog = new RunCatalog(store);
  try {
    const manifest = await catalog.manifest(runId);
    if (manifest) {
      return {
        runId,
        complete: true,
        policy: manifest.policy?.name ?? NO_POLICY,
        blobs: blobPaths(manifest.items.flatMap((item) => item.artifacts.map((artifact) => artifact.path))),
        massDeletion: manifest.deletions?.massDeletion,
      };
    }
  } catch (error) {
    // An untrusted or unreadable manifest: the run is kept (its references, if they can be read).
    const untrusted = error instanceof UntrustedManifestError ? error.message : 'manifest unreadable';
    return {
      runId,
      complete: true,
      policy: NO_POLICY,
      blobs: await untrustedReferences(store, runId),
      untrusted,
    };
  }
  const plan = RunPlan.safeParse(await store.getJson(planKey(runId)).catch(() => undefined));
  const items = await catalog.itemResults(runId).catch(() => undefined);
  return {
    runId,
    complete: false,
    policy: (plan.success ? plan.data.policy?.name : undefined) ?? NO_POLICY,
    blobs: items && blobPaths(items.flatMap((item) => item.artifacts.map((artifact) => artifact.path))),
  };
}

/** Every run of the store, with its policy and the blobs it references. */
export async function readRuns(store: BackupStore): Promise<StoredRun[]> {
  return mapLimit(await new RunCatalog(store).runIds(), 8, (runId) => readRun(store, runId));
}

/** Why a policy's runs are all kept: its newest complete run recorded a mass deletion (and it asks to hold). */
function massDeletionHold(members: StoredRun[], retention: Retention): string | undefined {
  if (!retention.holdOnMassDeletion) return undefined;
  const newest = members
    .filter((run) => run.complete && run.blobs)
    .sort((a, b) => b.runId.localeCompare(a.runId))[0];
  return newest?.massDeletion?.length
    ? `held: run ${newest.runId} recorded a mass deletion of ${newest.massDeletion.join(', ')}`
    : undefined;
}

function verdicts(runs: StoredRun[], options: PruneOptions, now: Date): RunVerdict[] {
  const groups = new Map<string, StoredRun[]>();
  for (const run of runs) groups.set(run.policy, [...(groups.get(run.policy) ?? []), run]);
  const result: RunVerdict[] = [];
  for (const [policy, members] of groups) {
    const retention = options.retention[policy];
    const inScope = retention && (!options.only || options.only.includes(policy));
    if (!inScope) {
      const reason = retention ? 'another policy is being pruned' : 'no retention for this policy';
      result.push(...members.map((run) => ({ runId: run.runId, policy, keep: true, reasons: [reason] })));
      continue;
    }
    // An untrusted run never counts towards "the newest N" (a forged run cannot push a real one out),
    // nor towards a mass-deletion hold.
    const counted = members.filter((run) => !run.untrusted);
    for (const run of members.filter((member) => member.untrusted))
      result.push({ runId: run.runId, policy, keep: true, reasons: [`kept: ${run.untrusted}`] });
    const held = massDeletionHold(counted, retention);
    if (held) {
      result.push(...counted.map((run) => ({ runId: run.runId, policy, keep: true, reasons: [held] })));
      continue;
    }
    for (const decision of decideRetention(counted, retention, now)) result.push({ ...decision, policy });
  }
  for (const run of runs) {
    const verdict = result.find((entry) => entry.runId === run.runId);
    if (verdict && run.untrusted) {
      verdict.keep = true;
      verdict.reasons = [`kept: ${run.untrusted}`];
    } else if (verdict && !verdict.keep && run.complete && !run.blobs) {
      verdict.keep = true;
      verdict.reasons = ['manifest unreadable'];
    }
  }
  return result.sort((a, b) => a.runId.localeCompare(b.runId));
}

async function deleteRun(store: BackupStore, runId: string): Promise<void> {
  // The manifest first: a run caught half-deleted then reads as incomplete, never as complete.
  await store.remove(manifestKey(runId));
  await store.removeAll(runPrefix(runId));
}

/**
 * Applies retention to a store: decides per policy which runs stay, keeps those S3 Object Lock
 * still retains, deletes the others (manifest first), then deletes the content-addressed blobs
 * (`blobs/sha256/`) and shared data parts (`blobs/parts/`, incremental streams) that no kept run
 * references. Blobs are not collected while a run may still be writing (an incomplete run that is
 * kept) or when a kept run's references cannot be read. Other blob namespaces (such as the S3
 * kind's object copies) are referenced from index files and are left alone. A dry run reports the
 * same decisions and deletes nothing.
 *
 * The race with a starting run: runs are listed before blobs are, and a run that starts in between
 * may reuse a blob (a content-addressed blob that exists is not written again). So the runs are
 * listed again once the blobs to delete are known, and any run that appeared meanwhile (or is still
 * writing) defers blob collection to the next prune. A run starting after that second listing finds
 * a blob being deleted at worst: its Verify then reports the blob missing (the run is partial, never
 * silently incomplete) and the next run stores it again.
 */
export async function pruneStore(store: BackupStore, options: PruneOptions): Promise<PruneReport> {
  const now = options.now ?? new Date();
  const lock = new ObjectLock(store, now);
  const runs = await readRuns(store);
  const decided = verdicts(runs, options, now);
  await mapLimit(
    decided.filter((verdict) => !verdict.keep),
    8,
    async (verdict) => {
      const run = runs.find((entry) => entry.runId === verdict.runId);
      const locked = await lock.lockOf(run?.complete ? manifestKey(verdict.runId) : planKey(verdict.runId));
      if (locked) Object.assign(verdict, { keep: true, locked, reasons: [...verdict.reasons, locked] });
    },
  );
  const kept = new Set(decided.filter((verdict) => verdict.keep).map((verdict) => verdict.runId));
  const keptRuns = runs.filter((run) => kept.has(run.runId));
  const referenced = new Set(keptRuns.flatMap((run) => [...(run.blobs ?? [])]));
  const report: PruneReport = {
    store: store.url,
    dryRun: options.dryRun,
    runs: decided,
    deletedRuns: decided.filter((verdict) => !verdict.keep).map((verdict) => verdict.runId),
    blobs: { deleted: [], locked: [], referenced: referenced.size },
  };
  const writing = keptRuns.find((run) => !run.complete);
  const unreadable = keptRuns.find((run) => !run.blobs);
  if (writing || unreadable) {
    report.blobs.deferred = writing
      ? `run ${writing.runId} has no manifest yet and may still be writing blobs`
      : `the references of run ${unreadable?.runId} cannot be read`;
  } else {
    const candidates: string[] = [];
    for (const prefix of COLLECTED)
      for await (const key of store.list(prefix)) if (!referenced.has(key)) candidates.push(key);
    // Re-checked now that the blobs are listed: a run that started meanwhile may use any of them.
    const seen = new Set(runs.map((run) => run.runId));
    const started = (await new RunCatalog(store).runIds()).filter((runId) => !seen.has(runId));
    if (started.length) {
      report.blobs.deferred = `run ${started[0]} started while pruning and may reuse blobs; they are collected next time`;
    } else {
      await mapLimit(candidates, 8, async (key) => {
        const locked = await lock.lockOf(key);
        if (locked) report.blobs.locked.push({ key, reason: locked });
        else report.blobs.deleted.push(key);
      });
      report.blobs.deleted.sort();
    }
  }
  if (!options.dryRun) {
    for (const runId of report.deletedRuns) await deleteRun(store, runId);
    await mapLimit(report.blobs.deleted, 16, (key) => store.remove(key));
  }
  return report;
}
