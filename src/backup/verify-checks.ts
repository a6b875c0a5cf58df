import { z } from 'zod';
import type { ItemResult } from '../../schemas/work-item.js';
import { TriggervaultError } from '../errors.js';
import { KINDS } from '../kinds/index.js';
import { type CheckMethod, type Damage, verifyArtifacts, verifyCopies } from '../store/integrity.js';
import type { BackupStore } from '../store/store.js';

/**
 * What Verify checks, in two functions the chunked loop (verify.ts) calls: `checksOf` lists the
 * checks one item result asks for (the list is written to the store as it is built, and the cursor
 * is a position in it), `runChecks` performs a batch of them. A new kind of check is a variant of
 * `Check`, a case in `checksOf` that yields it, and a case in `runChecks` that performs it; nothing
 * else changes. Each check must fit in one invocation (the loop stops between batches, never inside one).
 *
 * - `artifact`: re-read and hashed (sha256 and size against the item result), always.
 * - `copy`: an object copy an index part names (the S3 kind's blobs/s3/…), checked by the store's
 *   stored checksum or ETag (listing or HEAD, no bytes read) by default, re-hashed with `deep` or
 *   when the store keeps no checksums (a directory). The part itself is an artifact (hashed too).
 * - `unreadable`: an index part whose copies could not be listed while the list was built: a
 *   damage found then, reported when its turn comes.
 */

const ArtifactCheck = z.object({
  type: z.literal('artifact'),
  path: z.string().min(1),
  sha256: z.string(),
  bytes: z.number().int().nonnegative(),
});

const CopyCheck = z.object({
  type: z.literal('copy'),
  path: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().optional(),
  etag: z.string().optional(),
  of: z.string(),
});

const UnreadableCheck = z.object({
  type: z.literal('unreadable'),
  path: z.string().min(1),
  problem: z.string(),
});

export const Check = z.discriminatedUnion('type', [ArtifactCheck, CopyCheck, UnreadableCheck]);
export type Check = z.infer<typeof Check>;

/** Checks made by each method (`size-only` when nothing but the size could be compared). */
export type CheckMethods = Partial<Record<CheckMethod | 'size-only', number>>;

export interface ChecksOutcome {
  artifacts: number;
  copies: number;
  methods: CheckMethods;
  damaged: Damage[];
}

/** The key that makes two checks the same check (a blob shared by many items is re-read once per chunk). */
export const checkKey = (check: Check): string => `${check.type}:${check.path}`;

/** The checks one item's result asks for, in a stable order: its artifacts, then its object copies. */
export async function* checksOf(store: BackupStore, item: ItemResult): AsyncGenerator<Check> {
  for (const artifact of item.artifacts)
    yield { type: 'artifact', path: artifact.path, sha256: artifact.sha256, bytes: artifact.bytes };
  const copies = KINDS[item.kind]?.storedCopies;
  if (!copies) return;
  for (const part of item.artifacts.filter((artifact) => artifact.role === copies.role)) {
    try {
      for await (const copy of copies.list(store, { name: item.name }, part)) yield { type: 'copy', ...copy };
    } catch (error) {
      if (!(error instanceof TriggervaultError || error instanceof SyntaxError)) throw error;
      yield {
        type: 'unreadable',
        path: part.path,
        problem: `its object copies cannot be listed: ${error.message}`,
      };
    }
  }
}

/** Performs a batch of checks (see the module comment); damage is named by the path it is about. */
export async function runChecks(
  store: BackupStore,
  checks: Check[],
  options: { deep: boolean },
): Promise<ChecksOutcome> {
  const of = <T extends Check['type']>(type: T) =>
    checks.filter((check): check is Extract<Check, { type: T }> => check.type === type);
  const artifacts = of('artifact');
  const copies = of('copy');
  const copyCheck = await verifyCopies(store, copies, options);
  const damaged = [
    ...(await verifyArtifacts(
      store,
      artifacts.map(({ type: _, ...artifact }) => ({ ...artifact, role: 'verify' })),
    )),
    ...copyCheck.damaged,
    ...of('unreadable').map(({ path, problem }) => ({ path, problem })),
  ];
  return { artifacts: artifacts.length, copies: copies.length, methods: copyCheck.methods, damaged };
}

/** Sums the checks made by each method. */
export function addMethods(a: CheckMethods, b: CheckMethods): CheckMethods {
  const sum = { ...a };
  for (const [method, count] of Object.entries(b) as [keyof CheckMethods, number][])
    sum[method] = (sum[method] ?? 0) + count;
  return sum;
}

/** How the checks were made, in words (the CLI's summary says which). */
export function describeChecks(outcome: Pick<ChecksOutcome, 'artifacts' | 'copies' | 'methods'>): string {
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

/** Checks per batch when a whole set of items is checked in one process (`checkItems`). */
const BATCH = 256;

/**
 * Every check the items ask for, in one process (the CLI's `verify`), in batches as they are listed:
 * object copies are never all held at once. Each distinct check runs once.
 */
export async function checkItems(
  store: BackupStore,
  items: ItemResult[],
  options: { deep: boolean },
): Promise<ChecksOutcome> {
  const outcome: ChecksOutcome = { artifacts: 0, copies: 0, methods: {}, damaged: [] };
  const seen = new Set<string>();
  let batch: Check[] = [];
  const flush = async () => {
    const checked = await runChecks(store, batch, options);
    outcome.artifacts += checked.artifacts;
    outcome.copies += checked.copies;
    outcome.methods = addMethods(outcome.methods, checked.methods);
    outcome.damaged.push(...checked.damaged);
    batch = [];
  };
  for (const item of items)
    for await (const check of checksOf(store, item)) {
      if (seen.has(checkKey(check))) continue;
      seen.add(checkKey(check));
      batch.push(check);
      if (batch.length >= BATCH) await flush();
    }
  await flush();
  outcome.damaged.sort((a, b) => a.path.localeCompare(b.path));
  return outcome;
}
