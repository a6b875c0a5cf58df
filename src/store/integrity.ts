import type { Artifact, ItemResult } from '../../schemas/work-item.js';
import { mapLimit } from '../concurrency.js';
import { TriggervaultError } from '../errors.js';
import type { BackupStore, ObjectStat } from './store.js';

/**
 * Checkers over batches of what a run stored: artifacts re-hashed, object copies compared with the
 * store's checksums (or re-hashed). What to check is listed by backup/verify-checks.ts (`checksOf`: one
 * check per artifact and per object copy); the chunked Verify keeps a position in that list and checks
 * a batch at a time.
 */

export interface Damage {
  path: string;
  problem: string;
}

/** How a check was made: bytes re-read and hashed, or the store's own checksum/ETag compared. */
export type CheckMethod = 'rehashed' | 'stored-checksum';

/**
 * An object a run stored outside the manifest's artifact list (the S3 kind's object copies, listed
 * in its objects index parts), with what was recorded about it at backup time.
 */
export interface StoredCopy {
  path: string;
  bytes: number;
  /** sha256 (hex) of the stored bytes, when the backup knew it. */
  sha256?: string;
  /** The copy's own ETag in the store, recorded when the copy was made. */
  etag?: string;
  /** What the copy is of (`s3://bucket/key`), for messages. */
  of: string;
}

export interface CopyCheck {
  damaged: Damage[];
  /** Copies checked by each method; `size-only` when nothing but the size could be compared. */
  methods: Partial<Record<CheckMethod | 'size-only', number>>;
}

/** Distinct artifacts (a blob shared by several items is checked once). */
export function distinctArtifacts(items: ItemResult[]): Artifact[] {
  return [
    ...new Map(items.flatMap((item) => item.artifacts).map((artifact) => [artifact.path, artifact])).values(),
  ];
}

/**
 * The stored object's sha256 and size; a key that cannot be read safely (unsafe, a link out of the
 * store) is a damage of its own, never a reason to stop checking the others.
 */
async function measured(
  store: BackupStore,
  path: string,
): Promise<{ sha256: string; bytes: number } | Damage | undefined> {
  try {
    return await store.measure(path);
  } catch (error) {
    if (error instanceof TriggervaultError) return { path, problem: error.message };
    throw error;
  }
}

const compare = (
  path: string,
  actual: { sha256?: string; bytes: number },
  expected: { sha256?: string; bytes: number },
): Damage | undefined => {
  if (actual.bytes !== expected.bytes)
    return { path, problem: `size ${actual.bytes}, expected ${expected.bytes}` };
  if (expected.sha256 && actual.sha256 && actual.sha256 !== expected.sha256)
    return { path, problem: `sha256 ${actual.sha256}, expected ${expected.sha256}` };
  return undefined;
};

/** Re-reads every artifact and compares sha256 and size with what was recorded. */
export async function verifyArtifacts(store: BackupStore, artifacts: Artifact[]): Promise<Damage[]> {
  const damaged: Damage[] = [];
  await mapLimit(artifacts, 16, async (artifact) => {
    const actual = await measured(store, artifact.path);
    const damage =
      actual === undefined
        ? { path: artifact.path, problem: 'missing' }
        : 'problem' in actual
          ? actual
          : compare(artifact.path, actual, artifact);
    if (damage) damaged.push(damage);
  });
  return damaged.sort((a, b) => a.path.localeCompare(b.path));
}

/** Copies at least this many under one prefix are checked by listing it, fewer one HEAD each. */
const LISTING_THRESHOLD = 1000;

const parentOf = (path: string) => path.slice(0, path.lastIndexOf('/') + 1);

/** One copy against what the store says of it (listing or HEAD), without reading its bytes. */
function compareStat(
  copy: StoredCopy,
  stat: ObjectStat,
): { damage?: Damage; method: CheckMethod | 'size-only' } {
  const sized = compare(copy.path, { bytes: stat.bytes }, copy);
  if (sized)
    return { damage: { ...sized, problem: `${sized.problem} (copy of ${copy.of})` }, method: 'size-only' };
  if (copy.etag && stat.etag)
    return copy.etag === stat.etag
      ? { method: 'stored-checksum' }
      : {
          damage: {
            path: copy.path,
            problem: `ETag ${stat.etag}, recorded ${copy.etag} (copy of ${copy.of})`,
          },
          method: 'stored-checksum',
        };
  if (copy.sha256 && stat.sha256)
    return copy.sha256 === stat.sha256
      ? { method: 'stored-checksum' }
      : {
          damage: {
            path: copy.path,
            problem: `sha256 ${stat.sha256}, recorded ${copy.sha256} (copy of ${copy.of})`,
          },
          method: 'stored-checksum',
        };
  return { method: 'size-only' };
}

/**
 * Checks object copies. `deep`, or a store that keeps no checksums (a directory): every copy is read
 * and hashed. Otherwise cheaply: the ETag recorded at backup time against the store's listing (one
 * request per 1,000 objects when a slice has many copies under one prefix) or HEAD (the stored
 * SHA-256 checksum or ETag, one request per copy); a copy with neither recorded is compared by size.
 */
export async function verifyCopies(
  store: BackupStore,
  copies: StoredCopy[],
  options: { deep: boolean },
): Promise<CopyCheck> {
  const result: CopyCheck = { damaged: [], methods: {} };
  const count = (method: CheckMethod | 'size-only') => {
    result.methods[method] = (result.methods[method] ?? 0) + 1;
  };
  if (options.deep || !store.backend.capabilities.storedChecksums) {
    await mapLimit(copies, 16, async (copy) => {
      const actual = await measured(store, copy.path);
      count('rehashed');
      const damage =
        actual === undefined
          ? { path: copy.path, problem: `missing (copy of ${copy.of})` }
          : 'problem' in actual
            ? actual
            : copy.sha256 === undefined && actual.bytes === copy.bytes
              ? undefined
              : compare(copy.path, actual, copy);
      if (damage) result.damaged.push(damage);
    });
    return result;
  }
  const byPrefix = new Map<string, StoredCopy[]>();
  for (const copy of copies)
    byPrefix.set(parentOf(copy.path), [...(byPrefix.get(parentOf(copy.path)) ?? []), copy]);
  for (const [prefix, group] of byPrefix) {
    let stats: Map<string, ObjectStat> | undefined;
    if (group.length >= LISTING_THRESHOLD) {
      const wanted = new Set(group.map((copy) => copy.path));
      stats = new Map();
      for await (const entry of store.listStats(prefix))
        if (wanted.has(entry.key)) stats.set(entry.key, entry);
    }
    await mapLimit(group, 32, async (copy) => {
      // A listing has no checksum: a copy recorded without an ETag is asked with HEAD.
      const listed = stats?.get(copy.path);
      const stat = stats && (listed === undefined || copy.etag) ? listed : await statOf(store, copy.path);
      if (stat && 'problem' in stat) {
        result.damaged.push(stat);
        return;
      }
      if (!stat) {
        result.damaged.push({ path: copy.path, problem: `missing (copy of ${copy.of})` });
        count('stored-checksum');
        return;
      }
      const { damage, method } = compareStat(copy, stat);
      count(method);
      if (damage) result.damaged.push(damage);
    });
  }
  result.damaged.sort((a, b) => a.path.localeCompare(b.path));
  return result;
}

async function statOf(store: BackupStore, path: string): Promise<ObjectStat | Damage | undefined> {
  try {
    return await store.stat(path);
  } catch (error) {
    if (error instanceof TriggervaultError) return { path, problem: error.message };
    throw error;
  }
}
