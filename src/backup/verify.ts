import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { parseOrThrow } from '../../schemas/common.js';
import { ItemResult } from '../../schemas/work-item.js';
import { mapLimit } from '../concurrency.js';
import { StepBudget } from '../kinds/shared/pacing.js';
import type { Damage } from '../store/integrity.js';
import { itemResultPrefix } from '../store/layout.js';
import { partFile, readNdjsonPart, writeNdjsonPart } from '../store/ndjson-part.js';
import { openStore } from '../store/open.js';
import type { BackupStore } from '../store/store.js';
import {
  addMethods,
  type Check,
  Check as CheckSchema,
  checkKey,
  checksOf,
  runChecks,
} from './verify-checks.js';

/**
 * The Verify state, in chunks like the exports: each invocation works until its deadline and
 * returns `{done: false, cursor}`, and the state machine calls it again. Two phases, each resumable:
 *   build  reads the run's item results (after the last one read) and writes the list of checks
 *          they ask for (verify-checks.ts `checksOf`) as gzip NDJSON parts
 *   check  performs the checks (`runCheck`) from the cursor's position in that list (part, line)
 * Object copies (the S3 kind's) are checked by the store's checksums, re-hashed with `deep`.
 * Damage found is written per invocation to `damaged-<n>.json`; Finalize reads it from there, so
 * the state's payload stays a few hundred bytes whatever the run's size. An attempt id keeps the
 * files of a resumed run's earlier Verify apart.
 */

const VerifyCursor = z.discriminatedUnion('phase', [
  z.object({
    phase: z.literal('build'),
    /** The last item result key read. */
    after: z.string().optional(),
    parts: z.number().int().nonnegative(),
  }),
  z.object({
    phase: z.literal('check'),
    parts: z.number().int().nonnegative(),
    /** The part (1-based) and line (0-based) of the next check. */
    part: z.number().int().positive(),
    line: z.number().int().nonnegative(),
  }),
]);
type VerifyCursor = z.infer<typeof VerifyCursor>;

export const VerifyProgress = z.object({
  done: z.boolean(),
  attempt: z.string().min(1),
  cursor: VerifyCursor.optional(),
  /** Checks performed so far (artifacts re-hashed, object copies checked), and how many found damage. */
  checks: z.number().int().nonnegative(),
  artifacts: z.number().int().nonnegative(),
  copies: z.number().int().nonnegative(),
  /** Object copies checked by each method (see verify-checks.ts). */
  methods: z.record(z.string(), z.number().int().nonnegative()),
  damaged: z.number().int().nonnegative(),
  /** Copies re-hashed rather than compared with the store's checksums (`verify --deep`). */
  deep: z.boolean().default(false),
  /** Invocations so far (damage files are numbered by it). */
  chunk: z.number().int().nonnegative(),
});
export type VerifyProgress = z.infer<typeof VerifyProgress>;

/** Leave this much of the Lambda time limit for writing what the invocation found. */
const SAFETY_MARGIN_MS = 60_000;
const CONCURRENCY = 16;
/** Object copies compared by stored checksum per check that reads bytes, in a batch (see checkFrom). */
const COPIES_PER_READ = 64;

const verifyPrefix = (runId: string, attempt: string) => `runs/${runId}/verify/${attempt}/`;
const checksPart = (runId: string, attempt: string, part: number) =>
  partFile(`${verifyPrefix(runId, attempt)}checks`, part, 'list');
const damagedKey = (runId: string, attempt: string, chunk: number) =>
  `${verifyPrefix(runId, attempt)}damaged-${String(chunk).padStart(5, '0')}.json`;

/** Optional cap on item results read or checks made per invocation (TRIGGERVAULT_CHUNK_ITEMS). */
function chunkItems(): number | undefined {
  const value = Number(process.env.TRIGGERVAULT_CHUNK_ITEMS);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Build: one part of the list of checks, from the item results after `after`; undefined once none are left. */
async function buildPart(
  store: BackupStore,
  runId: string,
  attempt: string,
  cursor: Extract<VerifyCursor, { phase: 'build' }>,
  budget: StepBudget,
): Promise<VerifyCursor> {
  const keys: string[] = [];
  let exhausted = true;
  for await (const key of store.list(itemResultPrefix(runId))) {
    if (!key.endsWith('.json') || (cursor.after !== undefined && key <= cursor.after)) continue;
    if (keys.length >= Math.min(budget.maxItems, 10_000)) {
      exhausted = false;
      break;
    }
    keys.push(key);
  }
  const seen = new Set<string>();
  let after = cursor.after;
  async function* checks(): AsyncGenerator<Check> {
    for (let start = 0; start < keys.length; start += CONCURRENCY * 4) {
      if (start > 0 && !budget.hasTime()) {
        exhausted = false;
        return;
      }
      const batch = keys.slice(start, start + CONCURRENCY * 4);
      const items = await mapLimit(batch, CONCURRENCY, (key) =>
        budget.timed(async () => parseOrThrow(ItemResult, await store.getJson(key), key)),
      );
      for (const item of items)
        for await (const check of checksOf(store, item)) {
          if (seen.has(checkKey(check))) continue;
          seen.add(checkKey(check));
          yield check;
        }
      after = batch[batch.length - 1];
    }
  }
  const part = cursor.parts + 1;
  const written = await writeNdjsonPart(store, checksPart(runId, attempt, part), checks(), {
    role: 'verify-checks',
    count: 'checks',
  });
  const parts = written ? part : cursor.parts;
  return exhausted ? { phase: 'check', parts, part: 1, line: 0 } : { phase: 'build', after, parts };
}

/** Check: runs checks from the cursor's position until the deadline; returns where to go on. */
async function checkFrom(
  store: BackupStore,
  runId: string,
  attempt: string,
  cursor: Extract<VerifyCursor, { phase: 'check' }>,
  budget: StepBudget,
  found: Damage[],
  progress: VerifyProgress,
): Promise<{ cursor?: VerifyCursor; checks: number }> {
  let { part, line } = cursor;
  let checks = 0;
  // A batch holds up to CONCURRENCY × 4 checks that read bytes, or many more object copies compared
  // with the store's checksums: those are checked by listing their prefix once the batch is large
  // enough (integrity.ts verifyCopies), a request per 1,000 instead of a HEAD each.
  const weightOf = (check: Check) => (check.type === 'copy' && !progress.deep ? 1 : COPIES_PER_READ);
  const batchWeight = CONCURRENCY * 4 * COPIES_PER_READ;
  let weight = 0;
  while (part <= cursor.parts) {
    const lines = readNdjsonPart(store, checksPart(runId, attempt, part));
    let index = 0;
    let batch: Check[] = [];
    const flush = async () => {
      const outcome = await budget.timed(() => runChecks(store, batch, { deep: progress.deep }));
      found.push(...outcome.damaged);
      progress.artifacts += outcome.artifacts;
      progress.copies += outcome.copies;
      progress.methods = addMethods(progress.methods, outcome.methods);
      checks += batch.length;
      line += batch.length;
      batch = [];
      weight = 0;
    };
    try {
      for await (const raw of lines) {
        if (index++ < line) continue;
        const check = parseOrThrow(CheckSchema, raw, `check ${part}:${index}`);
        batch.push(check);
        weight += weightOf(check);
        if (weight < batchWeight && checks + batch.length < budget.maxItems) continue;
        await flush();
        if (!budget.hasTime() || checks >= budget.maxItems) {
          await lines.return(undefined);
          return { cursor: { ...cursor, part, line }, checks };
        }
      }
      await flush();
    } finally {
      await lines.return(undefined);
    }
    part += 1;
    line = 0;
    if (part <= cursor.parts && (!budget.hasTime() || checks >= budget.maxItems))
      return { cursor: { ...cursor, part, line }, checks };
  }
  return { checks };
}

/** One invocation of Verify (see the module comment). */
export async function verifyStep(
  input: { runId: string; store: string; previous?: VerifyProgress; deep?: boolean },
  context: { remainingMs: number } = { remainingMs: 900_000 },
): Promise<VerifyProgress> {
  const store = openStore(input.store);
  const budget = new StepBudget(
    Date.now() + Math.max(context.remainingMs - SAFETY_MARGIN_MS, context.remainingMs / 2),
    chunkItems(),
  );
  const previous = input.previous?.cursor ? input.previous : undefined;
  const progress: VerifyProgress = previous
    ? { ...previous, chunk: previous.chunk + 1 }
    : {
        done: false,
        attempt: randomUUID(),
        checks: 0,
        artifacts: 0,
        copies: 0,
        methods: {},
        damaged: 0,
        deep: input.deep ?? false,
        chunk: 1,
      };
  let cursor: VerifyCursor | undefined = previous?.cursor ?? { phase: 'build', parts: 0 };
  const found: Damage[] = [];
  // At least one step each invocation (progress), then as many as time allows.
  for (let first = true; cursor && (first || budget.hasTime()); first = false) {
    if (cursor.phase === 'build') {
      cursor = await buildPart(store, input.runId, progress.attempt, cursor, budget);
      // A cap on items per chunk (tests, small Lambdas) means one part per invocation.
      if (budget.maxItems !== Number.POSITIVE_INFINITY) break;
    } else {
      const checked = await checkFrom(store, input.runId, progress.attempt, cursor, budget, found, progress);
      progress.checks += checked.checks;
      cursor = checked.cursor;
      break;
    }
  }
  if (found.length) {
    found.sort((a, b) => a.path.localeCompare(b.path));
    await store.putJson(damagedKey(input.runId, progress.attempt, progress.chunk), found);
    progress.damaged += found.length;
  }
  return { ...progress, done: cursor === undefined, cursor };
}

/** The damage a finished Verify found, read back from its files, sorted by path. */
export async function damageFound(store: BackupStore, runId: string, attempt: string): Promise<Damage[]> {
  const damage: Damage[] = [];
  for await (const key of store.list(verifyPrefix(runId, attempt)))
    if (/\/damaged-\d+\.json$/.test(key))
      damage.push(
        ...parseOrThrow(
          z.array(z.object({ path: z.string(), problem: z.string() })),
          await store.getJson(key),
          key,
        ),
      );
  return damage.sort((a, b) => a.path.localeCompare(b.path));
}

/** The whole Verify in one process (tests, CLI): invocations in a loop until done. */
export async function verifyRun(ref: {
  runId: string;
  store: string;
  deep?: boolean;
}): Promise<VerifyProgress> {
  let progress: VerifyProgress | undefined;
  do progress = await verifyStep({ ...ref, previous: progress });
  while (!progress.done);
  return progress;
}
