import { z } from 'zod';
import type { ItemResult } from '../../schemas/work-item.js';
import type { Damage } from '../store/integrity.js';
import type { BackupStore } from '../store/store.js';

/**
 * What Verify checks, in two functions the chunked loop (verify.ts) calls: `checksOf` lists the
 * checks one item result asks for (the list is written to the store as it is built, and the cursor
 * is a position in it), `runCheck` performs one. A new kind of check is a variant of `Check`, a
 * case in `checksOf` that yields it, and a case in `runCheck` that performs it; nothing else changes.
 * Each check must fit in one invocation (the loop stops between checks, never inside one).
 */

/** A stored artifact re-read: it exists, has the recorded size and hashes to the recorded sha256. */
const ArtifactCheck = z.object({
  type: z.literal('artifact'),
  path: z.string().min(1),
  sha256: z.string(),
  bytes: z.number().int().nonnegative(),
});

export const Check = z.discriminatedUnion('type', [ArtifactCheck]);
export type Check = z.infer<typeof Check>;

/** The key that makes two checks the same check (a blob shared by many items is re-read once per chunk). */
export const checkKey = (check: Check): string => `${check.type}:${check.path}`;

/** The checks one item's result asks for, in a stable order. */
export async function* checksOf(_store: BackupStore, item: ItemResult): AsyncGenerator<Check> {
  for (const artifact of item.artifacts)
    yield { type: 'artifact', path: artifact.path, sha256: artifact.sha256, bytes: artifact.bytes };
}

/** Performs one check: undefined when it holds, else what is wrong (named by the path it is about). */
export async function runCheck(store: BackupStore, check: Check): Promise<Damage | undefined> {
  switch (check.type) {
    case 'artifact': {
      const actual = await store.measure(check.path);
      if (!actual) return { path: check.path, problem: 'missing' };
      if (actual.bytes !== check.bytes)
        return { path: check.path, problem: `size ${actual.bytes}, expected ${check.bytes}` };
      if (actual.sha256 !== check.sha256)
        return { path: check.path, problem: `sha256 ${actual.sha256}, expected ${check.sha256}` };
      return undefined;
    }
  }
}
