import type { CopyTarget } from '../../schemas/policy.js';
import { mapLimit } from '../concurrency.js';
import { NotFoundError } from '../errors.js';
import { RunCatalog, type TrustOptions } from './catalog.js';
import { type Damage, distinctArtifacts, verifyArtifacts } from './integrity.js';
import { manifestKey, runPrefix } from './layout.js';
import { openStore } from './open.js';
import type { BackupStore } from './store.js';

/**
 * Copies of finished runs, in a bucket of another region or a `file://` directory (hybrid and
 * on-premises). A copy is a complete store: `verify`, `list` and `restore` read it like the original.
 * The run's files and every blob the copy lacks are streamed over, each re-read from the copy and
 * compared by sha256 with the source bytes; the manifest's artifacts are verified against the
 * sha256 the manifest records; only then is the manifest copied, last.
 */

export interface CopyOutcome {
  target: string;
  status: 'copied' | 'incomplete' | 'failed';
  /** Objects written by this call (objects the copy already had are not written again). */
  written: number;
  bytes: number;
  /** Artifacts of the manifest found intact in the copy. */
  verified: number;
  damaged: Damage[];
  error?: string;
}

/** Opens a copy target; an s3:// copy gets a client in its own region, a file:// one its encryption. */
export function openCopyStore(target: CopyTarget): BackupStore {
  return openStore(target.store, { region: target.region, encryptKey: target.encryptKey, field: 'to' });
}

async function keysUnder(store: BackupStore, prefix: string): Promise<Map<string, true>> {
  const keys = new Map<string, true>();
  for await (const key of store.list(prefix)) keys.set(key, true);
  return keys;
}

/** Streams one object over, then re-reads the copy: its sha256 must equal the source bytes'. */
async function copyObject(source: BackupStore, target: BackupStore, key: string): Promise<Damage | number> {
  const body = await source.read(key);
  if (!body) return { path: key, problem: 'missing in the source' };
  const written = await target.putStream(key, body);
  const copied = await target.measure(key);
  if (!copied || copied.sha256 !== written.sha256)
    return {
      path: key,
      problem: `copy hashes to ${copied?.sha256 ?? 'nothing'}, source to ${written.sha256}`,
    };
  return written.bytes;
}

/**
 * Copies run `runId` from `source` to `target`. Idempotent and resumable: objects the copy has
 * are skipped (blobs are immutable, and so are a finished run's files), so a call that ran out of
 * time (`deadline`, epoch ms: `incomplete`, no manifest in the copy) is simply repeated.
 */
export async function replicateRun(
  source: BackupStore,
  runId: string,
  target: BackupStore,
  deadline = Number.POSITIVE_INFINITY,
  trust: TrustOptions = {},
): Promise<CopyOutcome> {
  const outcome: CopyOutcome = {
    target: target.url,
    status: 'copied',
    written: 0,
    bytes: 0,
    verified: 0,
    damaged: [],
  };
  // Only a trusted run is copied (its signature checked); its signature file travels with it.
  const manifest = await new RunCatalog(source, trust).manifest(runId);
  if (!manifest)
    throw new NotFoundError(`run ${runId} has no manifest in ${source.url}: only finished runs are copied`);
  const artifacts = distinctArtifacts(manifest.items);
  const wanted = new Set<string>();
  for await (const key of source.list(runPrefix(runId))) if (key !== manifestKey(runId)) wanted.add(key);
  for (const artifact of artifacts) wanted.add(artifact.path);
  // Blobs referenced from inside artifacts (object copies listed in index files) come along too.
  const sourceBlobs = await keysUnder(source, 'blobs/');
  for (const key of sourceBlobs.keys()) wanted.add(key);
  // A run finalized again (a redrive) has new run files: a copy holding another manifest of it
  // gets them all again. Blobs never change.
  const [copied, original] = await Promise.all([
    target.measure(manifestKey(runId)),
    source.measure(manifestKey(runId)),
  ]);
  const rewritten = copied !== undefined && copied.sha256 !== original?.sha256;
  const present = new Map([
    ...(rewritten ? [] : await keysUnder(target, runPrefix(runId))),
    ...(await keysUnder(target, 'blobs/')),
  ]);
  const missing = [...wanted].filter((key) => !present.has(key)).sort();
  await mapLimit(missing, 8, async (key) => {
    if (Date.now() >= deadline) {
      outcome.status = 'incomplete';
      return;
    }
    const result = await copyObject(source, target, key);
    if (typeof result === 'number') {
      outcome.written += 1;
      outcome.bytes += result;
    } else outcome.damaged.push(result);
  });
  if (outcome.status === 'incomplete') return outcome;
  // An artifact the copy had but that no longer matches (an earlier copy went bad) is copied again.
  const stale = await verifyArtifacts(target, artifacts);
  await mapLimit(stale, 8, (damage) => copyObject(source, target, damage.path));
  outcome.damaged.push(...(stale.length ? await verifyArtifacts(target, artifacts) : []));
  outcome.verified = artifacts.length - outcome.damaged.length;
  if (outcome.damaged.length) {
    outcome.status = 'failed';
    outcome.error = `${outcome.damaged.length} objects differ in the copy; its manifest was not written`;
    return outcome;
  }
  const last = await copyObject(source, target, manifestKey(runId));
  if (typeof last !== 'number') {
    outcome.status = 'failed';
    outcome.damaged.push(last);
    outcome.error = 'the manifest copy differs';
    return outcome;
  }
  outcome.written += 1;
  outcome.bytes += last;
  // The copy must verify on its own: the same signature over the same manifest.
  await new RunCatalog(target, trust).completeManifest(runId);
  return outcome;
}

/** Copies a run to every target of a policy; one failing target does not stop the others. */
export async function replicateToTargets(
  source: BackupStore,
  runId: string,
  targets: CopyTarget[],
  deadline?: number,
  trust: TrustOptions = {},
): Promise<CopyOutcome[]> {
  return mapLimit(targets, 2, async (target) => {
    try {
      return await replicateRun(source, runId, openCopyStore(target), deadline, trust);
    } catch (error) {
      return {
        target: target.store,
        status: 'failed' as const,
        written: 0,
        bytes: 0,
        verified: 0,
        damaged: [],
        error: `${(error as Error).name}: ${(error as Error).message}`,
      };
    }
  });
}
