import { z } from 'zod';
import { KindName, RegionName, RunId } from './common.js';

/**
 * runs/<runId>/index.json: a small per-run index written by Finalize before the manifest, so that
 * searching many runs (`triggervault find`) and counting what disappeared since the previous run read
 * one small document per run instead of every function snapshot and the start of every objects-index
 * part. Derived data only: a run without it (older runs), or with one that does not parse, is indexed
 * on the fly from its snapshots and parts. `format` changes when its meaning does.
 */
export const RUN_INDEX_FORMAT = 1;

/** A trigger as search names it: what fires it (`source`) and its id. */
export const IndexedTrigger = z.object({ type: z.string(), id: z.string(), source: z.string() });
export type IndexedTrigger = z.infer<typeof IndexedTrigger>;

export const IndexedFunction = z.object({
  region: RegionName,
  name: z.string(),
  codeSha256: z.string().optional(),
  lastModified: z.string().optional(),
  /** False when the run's policy left triggers out (then `triggers` says nothing). */
  triggersCaptured: z.boolean(),
  triggers: z.array(IndexedTrigger),
});
export type IndexedFunction = z.infer<typeof IndexedFunction>;

/**
 * One part of a sorted index (a bucket's objects index): its first key. The parts of one resource are
 * in key order, so a key can only be in the last part whose first key is not after it.
 */
export const IndexedPart = z.object({
  region: RegionName,
  kind: KindName,
  name: z.string(),
  path: z.string(),
  sha256: z.string(),
  first: z.string(),
});
export type IndexedPart = z.infer<typeof IndexedPart>;

export const RunIndex = z.object({
  format: z.literal(RUN_INDEX_FORMAT, {
    message: `must be ${RUN_INDEX_FORMAT}: written by a newer triggervault?`,
  }),
  runId: RunId,
  functions: z.array(IndexedFunction),
  sortedParts: z.array(IndexedPart),
  /** Store keys that could not be read when indexing (their resources are searched the slow way). */
  unreadable: z.array(z.string()).default([]),
});
export type RunIndex = z.infer<typeof RunIndex>;

/** Where the manifest says the run's index is (absent: the run has none). */
export const RunIndexRef = z.object({
  format: z.number().int(),
  path: z.string(),
  sha256: z.string(),
  bytes: z.number().int().nonnegative(),
});
export type RunIndexRef = z.infer<typeof RunIndexRef>;
