import { isDeepStrictEqual } from 'node:util';
import type { Action, Change, FieldChange } from '../../schemas/restore.js';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);

/**
 * The fields where `current` differs from `desired`, as dotted paths. At the top only the fields
 * `desired` defines are compared (undefined means "whatever is there": a projection names what a
 * restore sets); below it, objects are compared key by key both ways (an extra environment variable
 * or alias weight is a difference), arrays and scalars as a whole.
 */
export function diffFields(current: unknown, desired: unknown, prefix = ''): FieldChange[] {
  if (isPlainObject(desired) && isPlainObject(current)) {
    const keys = prefix
      ? [...new Set([...Object.keys(desired), ...Object.keys(current)])]
      : Object.keys(desired);
    return keys.flatMap((key) =>
      !prefix && desired[key] === undefined
        ? []
        : diffFields(current[key], desired[key], prefix ? `${prefix}.${key}` : key),
    );
  }
  if (isDeepStrictEqual(current, desired)) return [];
  return [{ field: prefix || '(value)', current, desired }];
}

/** What a restore step is allowed to do: compute only (dry run), and change what already exists (force). */
export interface ApplyMode {
  apply: boolean;
  force: boolean;
}

export interface ReconcileSpec<T> {
  /** Label in the plan, such as `alias live` or `event source mapping arn:…`. */
  resource: string;
  /** The comparable projection of what exists, undefined when nothing does. */
  current: T | undefined;
  desired: T;
  create: () => Promise<void>;
  /** Brings an existing resource to `desired`; given the differing fields. */
  update: (fields: FieldChange[]) => Promise<void>;
  note?: string;
}

/**
 * Compares before changing anything: missing → create, equal → unchanged, different → reported as
 * `differs`, and changed only with `force`. In a dry run nothing is called.
 */
export async function reconcile<T>(mode: ApplyMode, spec: ReconcileSpec<T>): Promise<Change> {
  const base = { resource: spec.resource, ...(spec.note ? { note: spec.note } : {}) };
  if (spec.current === undefined) {
    if (mode.apply) await spec.create();
    return { ...base, action: 'create' };
  }
  const fields = diffFields(spec.current, spec.desired);
  if (fields.length === 0) return { ...base, action: 'unchanged' };
  if (!mode.force) return { ...base, action: 'differs', fields };
  if (mode.apply) await spec.update(fields);
  return { ...base, action: 'update', fields };
}

/** Most significant first: one failed or blocked part makes the item failed or blocked. */
const PRECEDENCE: Action[] = [
  'failed',
  'blocked',
  'differs',
  'manual',
  'create',
  'update',
  'skipped',
  'unchanged',
];

/** The action that sums up an item's changes (no changes: unchanged). */
export function overallAction(changes: Pick<Change, 'action'>[]): Action {
  const present = new Set(changes.map((change) => change.action));
  return PRECEDENCE.find((action) => present.has(action)) ?? 'unchanged';
}

/** Actions after which nothing is left to do: the restored state matches the backup (or was skipped on purpose). */
export const SETTLED: ReadonlySet<Action> = new Set(['create', 'update', 'unchanged', 'skipped']);

/** A change that cannot be made here, with the reason. */
export const notPossible = (
  resource: string,
  action: 'blocked' | 'manual' | 'skipped',
  note: string,
): Change => ({
  resource,
  action,
  note,
});

/** The named fields of an SDK answer or a recorded config, without the undefined ones (dates as ISO strings). */
export function pick(value: object, keys: readonly string[]): Record<string, unknown> {
  const record = value as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const key of keys) {
    const field = record[key];
    if (field !== undefined) picked[key] = field instanceof Date ? field.toISOString() : field;
  }
  return picked;
}

/** Every path where `actual` differs from `expected` (missing, extra or different), for reports. */
export function differences(expected: unknown, actual: unknown, path = ''): FieldChange[] {
  const objects = (value: unknown): value is Record<string, unknown> =>
    value !== null && typeof value === 'object';
  if (objects(expected) && objects(actual) && Array.isArray(expected) === Array.isArray(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
    return keys.flatMap((key) => differences(expected[key], actual[key], path ? `${path}.${key}` : key));
  }
  return JSON.stringify(expected) === JSON.stringify(actual)
    ? []
    : [{ field: path || '(value)', current: actual, desired: expected }];
}

/**
 * Secrets. A function's environment variables may hold secrets: outside the function's own snapshot
 * their values are never shown or stored (restore plans and reports, drill results and their SNS
 * message, logs, copies). A difference in one is reported by name, its values replaced by MASKED.
 */
export const MASKED = '(hidden: environment value)';
/** The variables object itself, and anything inside it (a variable's value). */
const VARIABLES = /(^|\.)Environment\.Variables$/;
const IN_VARIABLES = /(^|\.)Environment\.Variables\./;

/** `value` with the values of every `Environment.Variables` object inside it replaced by MASKED. */
export function maskSecrets<T>(value: T, path = ''): T {
  if (value === undefined) return value;
  if (IN_VARIABLES.test(path)) return MASKED as T;
  if (VARIABLES.test(path))
    return (
      isPlainObject(value) ? Object.fromEntries(Object.keys(value).map((key) => [key, MASKED])) : MASKED
    ) as T;
  if (Array.isArray(value)) return value.map((entry) => maskSecrets(entry, path)) as T;
  if (isPlainObject(value))
    return Object.fromEntries(
      Object.entries(value).map(([key, field]) => [key, maskSecrets(field, path ? `${path}.${key}` : key)]),
    ) as T;
  return value;
}

/** A field difference with any environment value in it masked (the field name stays). */
export const maskField = (change: FieldChange): FieldChange => ({
  ...change,
  ...(change.current === undefined ? {} : { current: maskSecrets(change.current, change.field) }),
  ...(change.desired === undefined ? {} : { desired: maskSecrets(change.desired, change.field) }),
});

/** Changes with every field difference masked (see MASKED). */
export const maskChanges = (changes: Change[]): Change[] =>
  changes.map((change) => (change.fields ? { ...change, fields: change.fields.map(maskField) } : change));
