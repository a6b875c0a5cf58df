import type { KindName } from '../../schemas/common.js';
import type { Artifact, ItemResult } from '../../schemas/work-item.js';
import { TriggervaultError } from '../errors.js';
import { KINDS } from '../kinds/index.js';
import {
  type CheckMethod,
  type Damage,
  distinctArtifacts,
  type StoredCopy,
  verifyArtifacts,
  verifyCopies,
} from '../store/integrity.js';
import type { BackupStore } from '../store/store.js';

/**
 * What `verify` checks, as a list built by one function (`verificationList`) and checked slice by
 * slice by another (`checkEntries`). The seam for a chunked Verify state: build the list once (it is
 * small: one entry per artifact, one per index part that names object copies), keep a cursor that is
 * a position in it, and check `entries.slice(cursor, cursor + n)` per call, summing the outcomes
 * (`addOutcomes`).
 *
 * - `artifact`: re-read and hashed (sha256 and size against the manifest), always.
 * - `copies`: every object copy an index part names (the S3 kind's blobs/s3/…), checked by the
 *   store's stored checksum or ETag (listing or HEAD, no bytes read) by default, re-hashed with
 *   `deep` or when the store keeps no checksums (a directory). The part itself is hashed while read.
 */

export type VerifyEntry =
  | { type: 'artifact'; artifact: Artifact }
  | { type: 'copies'; kind: KindName; name: string; part: Artifact };

export interface VerifyOutcome {
  /** Artifacts checked (re-hashed). */
  artifacts: number;
  /** Object copies checked, and how (`rehashed`, `stored-checksum`, `size-only`). */
  copies: number;
  methods: Partial<Record<CheckMethod | 'size-only', number>>;
  damaged: Damage[];
}

export const NO_OUTCOME: VerifyOutcome = { artifacts: 0, copies: 0, methods: {}, damaged: [] };

/** Everything a run's items stored, as verify entries: artifacts first, then object copies per index part. */
export function verificationList(items: ItemResult[]): VerifyEntry[] {
  const entries: VerifyEntry[] = distinctArtifacts(items).map((artifact) => ({
    type: 'artifact',
    artifact,
  }));
  for (const item of items) {
    const copies = KINDS[item.kind]?.storedCopies;
    if (!copies) continue;
    for (const part of item.artifacts.filter((artifact) => artifact.role === copies.role))
      entries.push({ type: 'copies', kind: item.kind, name: item.name, part });
  }
  return entries;
}

/** The object copies one index part names; a part that cannot be read is a damage of its own. */
async function copiesOf(
  store: BackupStore,
  entry: Extract<VerifyEntry, { type: 'copies' }>,
): Promise<StoredCopy[] | Damage> {
  const list = KINDS[entry.kind].storedCopies?.list;
  const copies: StoredCopy[] = [];
  if (!list) return copies;
  try {
    for await (const copy of list(store, { name: entry.name }, entry.part)) copies.push(copy);
  } catch (error) {
    if (error instanceof TriggervaultError || error instanceof SyntaxError)
      return { path: entry.part.path, problem: `its object copies cannot be listed: ${error.message}` };
    throw error;
  }
  return copies;
}

/** Sums two outcomes (slices of one list), each damaged path once. */
export function addOutcomes(a: VerifyOutcome, b: VerifyOutcome): VerifyOutcome {
  const methods = { ...a.methods };
  for (const [method, count] of Object.entries(b.methods) as [keyof VerifyOutcome['methods'], number][])
    methods[method] = (methods[method] ?? 0) + count;
  const damaged = new Map([...a.damaged, ...b.damaged].map((damage) => [damage.path, damage]));
  return {
    artifacts: a.artifacts + b.artifacts,
    copies: a.copies + b.copies,
    methods,
    damaged: [...damaged.values()].sort((x, y) => x.path.localeCompare(y.path)),
  };
}

/** Checks a slice of the list (see the module comment). */
export async function checkEntries(
  store: BackupStore,
  entries: VerifyEntry[],
  options: { deep: boolean },
): Promise<VerifyOutcome> {
  const artifacts = entries.flatMap((entry) => (entry.type === 'artifact' ? [entry.artifact] : []));
  let outcome: VerifyOutcome = {
    ...NO_OUTCOME,
    artifacts: artifacts.length,
    damaged: await verifyArtifacts(store, artifacts),
  };
  for (const entry of entries) {
    if (entry.type !== 'copies') continue;
    const copies = await copiesOf(store, entry);
    if (!Array.isArray(copies)) {
      outcome = addOutcomes(outcome, { ...NO_OUTCOME, damaged: [copies] });
      continue;
    }
    const checked = await verifyCopies(store, copies, options);
    outcome = addOutcomes(outcome, { ...NO_OUTCOME, copies: copies.length, ...checked });
  }
  return outcome;
}

/** How the copies were checked, in words (the summary says which). */
export function describeChecks(outcome: VerifyOutcome): string {
  const parts = [`${outcome.artifacts} artifacts re-hashed`];
  const { rehashed = 0, 'stored-checksum': stored = 0, 'size-only': sizeOnly = 0 } = outcome.methods;
  if (outcome.copies) {
    const how = [
      rehashed ? `${rehashed} re-hashed` : '',
      stored ? `${stored} by stored checksum/ETag (not re-read; --deep re-hashes)` : '',
      sizeOnly ? `${sizeOnly} by size only (no checksum recorded)` : '',
    ].filter(Boolean);
    parts.push(`${outcome.copies} object copies: ${how.join(', ')}`);
  }
  return parts.join('; ');
}
