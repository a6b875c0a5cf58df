import { z } from 'zod';
import { Change, type FieldChange } from '../../schemas/restore.js';
import type { ItemResult } from '../../schemas/work-item.js';
import { InputValidationError } from '../errors.js';
import { sha256Hex } from '../store/hashing.js';
import { readNdjsonPart } from '../store/ndjson-part.js';
import type { BackupStore } from '../store/store.js';
import type { RestoreContext, RestoreResult } from './context.js';
import type { ApplyMode } from './diff.js';

/**
 * What the data kinds (tables, buckets, streams) share when they restore: reading the stored parts
 * from a position, order-independent checksums, the compare-first decision about the data, and the
 * loop that lets a long load return `done: false` with a cursor.
 */

/** Where a load continues: the part (index into the item's parts, in order) and how many of its lines are done. */
export const PartPosition = z.object({
  part: z.number().int().nonnegative(),
  line: z.number().int().nonnegative(),
});
export type PartPosition = z.infer<typeof PartPosition>;
export const START: PartPosition = { part: 0, line: 0 };

/** The stored paths of an item's artifacts with `role`, in path order (parts sort by chunk, then unit). */
export const partsOf = (item: ItemResult, role: string): string[] =>
  item.artifacts
    .filter((artifact) => artifact.role === role)
    .map((artifact) => artifact.path)
    .sort();

/** How many records the artifacts with `role` hold, as the backup counted them under `count`. */
export const countOf = (item: ItemResult, role: string, count: string): number =>
  item.artifacts
    .filter((artifact) => artifact.role === role)
    .reduce((sum, artifact) => sum + (artifact.counts?.[count] ?? 0), 0);

/** The JSON document the item stored with `role` (schema, config). */
export async function storedDocument<T>(store: BackupStore, item: ItemResult, role: string): Promise<T> {
  const path = partsOf(item, role)[0];
  const document = path === undefined ? undefined : await store.getJson(path);
  if (document === undefined)
    throw new InputValidationError(`${item.kind} ${item.name}: the run stored no ${role} document`);
  return document as T;
}

/**
 * The records of `paths` from `from` on, each with the position just after it: a load that stops
 * after a record resumes there. Parts are streamed: memory stays flat however large the data.
 */
export async function* recordsFrom<T>(
  store: BackupStore,
  paths: string[],
  from: PartPosition = START,
): AsyncGenerator<{ value: T; next: PartPosition }> {
  for (let part = from.part; part < paths.length; part += 1) {
    const skip = part === from.part ? from.line : 0;
    let line = 0;
    for await (const value of readNdjsonPart(store, paths[part] as string)) {
      line += 1;
      if (line > skip) yield { value: value as T, next: { part, line } };
    }
  }
}

/** A JSON text with object keys sorted at every level: equal values give equal texts. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const MODULUS = 1n << 256n;

/**
 * Count and checksum of a multiset of records: the sum of their sha256 modulo 2^256, so the order in
 * which records are added (parallel scan segments, parts) does not matter and duplicates count.
 */
export class Tally {
  private sum = 0n;
  count = 0;

  add(canonical: string): void {
    this.sum = (this.sum + BigInt(`0x${sha256Hex(canonical)}`)) % MODULUS;
    this.count += 1;
  }

  get checksum(): string {
    return this.sum.toString(16).padStart(64, '0');
  }
}

export interface DataDecision {
  change: Change;
  /** True when the data is to be loaded (and, outside a dry run, will be). */
  load: boolean;
}

/**
 * Compare-first for data. Nothing there (a new or empty resource): `create`, loaded when the backup
 * holds anything. Something there: compared record by record (by count and checksum, or per object);
 * equal is `unchanged`, else `differs` with the fields, and loaded over it only with `force`.
 */
export async function decideData(
  mode: ApplyMode,
  spec: {
    resource: string;
    /** Whether the live resource holds no data (a resource about to be created holds none). */
    empty: boolean;
    /** Records the backup holds (its artifacts' counts). */
    stored: number;
    /** The differences between what is there and the backup; empty when equal. */
    compare: () => Promise<FieldChange[]>;
    note?: string;
  },
): Promise<DataDecision> {
  const base = { resource: spec.resource, ...(spec.note ? { note: spec.note } : {}) };
  if (spec.empty)
    return spec.stored === 0
      ? { change: { ...base, action: 'unchanged' }, load: false }
      : { change: { ...base, action: 'create' }, load: true };
  const fields = await spec.compare();
  if (fields.length === 0) return { change: { ...base, action: 'unchanged' }, load: false };
  if (!mode.force) return { change: { ...base, action: 'differs', fields }, load: false };
  return { change: { ...base, action: 'update', fields }, load: true };
}

/** What a data restore decided on its first call: reported on every call, and where loading starts. */
export interface DataPlan<P> {
  changes: Change[];
  notes: string[];
  details?: Record<string, unknown>;
  /** Where loading starts; undefined when there is nothing to load. */
  load?: P;
}

const DataCursor = z.object({
  changes: z.array(Change),
  notes: z.array(z.string()),
  details: z.record(z.string(), z.unknown()).optional(),
  load: z.unknown(),
});

/**
 * The shape every data restore follows: `plan` compares and creates what is missing (first call
 * only), `step` loads from a position until done (undefined) or the deadline (the next position).
 * In a dry run nothing is loaded. A position that did not finish goes back to the state machine in
 * the cursor, with the plan's changes, so every call reports the whole item.
 */
export async function runDataRestore<P>(
  context: RestoreContext,
  position: z.ZodType<P>,
  plan: () => Promise<DataPlan<P>>,
  step: (from: P, planned: DataPlan<P>) => Promise<P | undefined>,
): Promise<RestoreResult> {
  let planned: DataPlan<P>;
  if (context.cursor === undefined) {
    planned = await plan();
    if (!context.apply || planned.load === undefined)
      return { changes: planned.changes, notes: planned.notes, details: planned.details };
  } else {
    const cursor = DataCursor.parse(context.cursor);
    planned = { ...cursor, load: position.parse(cursor.load) };
  }
  const next = await step(planned.load as P, planned);
  const result = { changes: planned.changes, notes: planned.notes, details: planned.details };
  return next === undefined
    ? result
    : { ...result, done: false, cursor: JSON.parse(JSON.stringify({ ...result, load: next })) };
}
