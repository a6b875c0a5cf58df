import { isDeepStrictEqual } from 'node:util';
import type { ChangeReport, FieldDifference, FunctionChange } from '../../schemas/audit.js';
import type { Manifest } from '../../schemas/manifest.js';
import type { ItemResult } from '../../schemas/work-item.js';
import { mapLimit } from '../concurrency.js';
import { InputValidationError } from '../errors.js';
import { type FunctionSnapshot, readSnapshot } from '../kinds/lambda-function/format.js';
import { RunCatalog } from '../store/catalog.js';
import { base64ToHex } from '../store/hashing.js';
import type { BackupStore } from '../store/store.js';

/**
 * The audit trail of a run: for each function, what changed since the previous complete run of the
 * same policy (code hash, configuration fields, triggers added or removed), read from the stored
 * snapshots of both runs.
 */

/** Fields AWS changes by itself, or that restate something compared elsewhere (code). */
const VOLATILE = new Set([
  'LastModified',
  'RevisionId',
  'CodeSha256',
  'CodeSize',
  'Version',
  'State',
  'StateReason',
  'StateReasonCode',
  'LastUpdateStatus',
  'LastUpdateStatusReason',
  'LastUpdateStatusReasonCode',
  'FunctionArn',
  'MasterArn',
  'SigningJobArn',
  'SigningProfileVersionArn',
  'RuntimeVersionConfig',
]);

/** Values that may be secrets are reported by name only. */
const HIDDEN = /^Environment\.Variables\./;

/** The comparable fields of a snapshot, flattened: `MemorySize`, `Environment.Variables.X`, `tags.team`… */
export function comparableFields(snapshot: FunctionSnapshot): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  for (const [key, value] of Object.entries(snapshot.configuration)) {
    if (VOLATILE.has(key) || value === undefined) continue;
    if (key === 'Environment') {
      const variables = (value as { Variables?: Record<string, string> }).Variables ?? {};
      for (const [name, setting] of Object.entries(variables))
        fields.set(`Environment.Variables.${name}`, setting);
    } else if (key === 'Layers') {
      fields.set(
        'Layers',
        (value as { Arn?: string }[]).map((layer) => layer.Arn),
      );
    } else fields.set(key, value);
  }
  for (const [key, value] of Object.entries(snapshot.tags)) fields.set(`tags.${key}`, value);
  for (const alias of snapshot.aliases)
    fields.set(`aliases.${alias.Name}`, {
      version: alias.FunctionVersion,
      routing: alias.RoutingConfig ?? null,
    });
  if (snapshot.concurrency.reserved !== undefined)
    fields.set('concurrency.reserved', snapshot.concurrency.reserved);
  return fields;
}

const triggerLabels = (snapshot: FunctionSnapshot) =>
  new Map(
    snapshot.triggers.map((trigger) => [
      `${trigger.type}:${trigger.id}`,
      `${trigger.type} ${trigger.source}`,
    ]),
  );

/** What differs between two snapshots of one function; undefined when nothing does. */
export function diffSnapshots(before: FunctionSnapshot, after: FunctionSnapshot) {
  const change: Pick<FunctionChange, 'code' | 'config' | 'triggers'> = {};
  const [from, to] = [before.configuration.CodeSha256, after.configuration.CodeSha256];
  if (from !== to)
    change.code = { from: from ? base64ToHex(from) : undefined, to: to ? base64ToHex(to) : undefined };
  const [old, current] = [comparableFields(before), comparableFields(after)];
  const config: FieldDifference[] = [];
  for (const field of [...new Set([...old.keys(), ...current.keys()])].sort()) {
    if (isDeepStrictEqual(old.get(field), current.get(field))) continue;
    config.push(HIDDEN.test(field) ? { field } : { field, from: old.get(field), to: current.get(field) });
  }
  if (config.length) change.config = config;
  const triggersCaptured = (snapshot: FunctionSnapshot) => !snapshot.notCaptured?.includes('triggers');
  if (triggersCaptured(before) && triggersCaptured(after)) {
    const [was, is] = [triggerLabels(before), triggerLabels(after)];
    const added = [...is].filter(([key]) => !was.has(key)).map(([, label]) => label);
    const removed = [...was].filter(([key]) => !is.has(key)).map(([, label]) => label);
    if (added.length || removed.length) change.triggers = { added: added.sort(), removed: removed.sort() };
  }
  return Object.keys(change).length ? change : undefined;
}

/** The newest complete run before `runId` made under the same policy (or both without one). */
export async function previousManifest(
  store: BackupStore,
  runId: string,
  policy: string | undefined,
): Promise<Manifest | undefined> {
  return new RunCatalog(store).latestComplete({ before: runId, policy: policy ?? null });
}

async function snapshotOf(store: BackupStore, item: ItemResult): Promise<FunctionSnapshot | undefined> {
  const path = item.artifacts.find((artifact) => artifact.role === 'config')?.path;
  // An earlier snapshot that is missing or does not parse is not compared.
  return path
    ? readSnapshot(store, path).catch((error) => {
        if (error instanceof InputValidationError) return undefined;
        throw error;
      })
    : undefined;
}

const functionsOf = (items: ItemResult[]) =>
  new Map(
    items
      .filter((item) => item.kind === 'lambda-function')
      .map((item) => [`${item.region}|${item.name}`, item]),
  );

/**
 * Compares this run's functions with the previous run's. Functions are `added` or `removed` only in
 * regions both runs covered; a function that failed in either run is not compared.
 */
export async function detectChanges(
  store: BackupStore,
  run: { runId: string; regions: string[]; include: string[]; policy?: string },
  items: ItemResult[],
): Promise<{ report: ChangeReport; previous?: Manifest }> {
  if (!run.include.includes('lambda-function')) return { report: { functions: [] } };
  const previous = await previousManifest(store, run.runId, run.policy);
  if (!previous) return { report: { functions: [] } };
  const covered = (region: string) => previous.regions.includes(region) && run.regions.includes(region);
  const [now, before] = [functionsOf(items), functionsOf(previous.items)];
  const changes: FunctionChange[] = [];
  for (const [key, item] of now)
    if (!before.has(key) && covered(item.region))
      changes.push({ region: item.region, name: item.name, change: 'added' });
  for (const [key, item] of before)
    if (!now.has(key) && covered(item.region))
      changes.push({ region: item.region, name: item.name, change: 'removed' });
  const pairs = [...now].filter(([key, item]) => item.status === 'ok' && before.get(key)?.status === 'ok');
  const modified = await mapLimit(pairs, 16, async ([key, item]) => {
    const [old, current] = await Promise.all([
      snapshotOf(store, before.get(key) as ItemResult),
      snapshotOf(store, item),
    ]);
    const difference = old && current ? diffSnapshots(old, current) : undefined;
    return difference && { region: item.region, name: item.name, change: 'modified' as const, ...difference };
  });
  changes.push(...modified.filter((change) => change !== undefined));
  changes.sort((a, b) => a.region.localeCompare(b.region) || a.name.localeCompare(b.name));
  return { report: { previousRunId: previous.runId, functions: changes }, previous };
}
