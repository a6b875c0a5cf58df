import { expect } from '@jest/globals';
import type { Action } from '../../schemas/restore.js';
import type { ItemResult } from '../../schemas/work-item.js';
import type { ResourceKind } from '../../src/kinds/types.js';
import type { RestoreContext, RestoreResult } from '../../src/reconcile/context.js';
import { overallAction } from '../../src/reconcile/diff.js';
import { mapperFor } from '../../src/restore/mapper.js';
import type { BackupStore } from '../../src/store/store.js';
import { ACCOUNT_ID } from './aws.js';
import { backupToEnd, runIdAt } from './kinds.js';

/**
 * Round trips of the configuration kinds (queues, topics, buses, APIs, roles, images) one item at a
 * time, without the state machine: back up with `kind.backup`, restore with `kind.restore` under a
 * context built as the restore's steps build it.
 */

/** Backs up one resource and returns it as the manifest records it. */
export async function backUp(
  kind: ResourceKind,
  store: BackupStore,
  region: string,
  name: string,
  runId = runIdAt(),
): Promise<ItemResult> {
  const run = await backupToEnd(kind, { store, runId, region, name });
  return { region, kind: kind.kind, name, status: 'ok', artifacts: run.artifacts, summary: run.summary };
}

export interface ContextOptions {
  store: BackupStore;
  runId: string;
  region: string;
  targetRegion?: string;
  apply?: boolean;
  force?: boolean;
  /** A scratch restore: names this restore re-creates get the suffix. */
  suffix?: string;
  /** Per kind of name, the names this restore re-creates. */
  restored?: Record<string, string[]>;
  apiIds?: Record<string, string>;
  roles?: Record<string, string>;
}

export function restoreContext(options: ContextOptions): RestoreContext {
  return {
    store: options.store,
    runId: options.runId,
    restoreId: runIdAt(),
    sourceRegion: options.region,
    targetRegion: options.targetRegion ?? options.region,
    mapper: mapperFor({
      sourceRegion: options.region,
      targetRegion: options.targetRegion ?? options.region,
      sourceAccount: ACCOUNT_ID,
      targetAccount: ACCOUNT_ID,
      suffix: options.suffix,
      restored: options.restored ?? {},
      roles: options.roles ?? {},
      apiIds: options.apiIds ?? {},
      layerVersions: {},
      functionVersions: {},
    }),
    apply: options.apply ?? true,
    force: options.force ?? false,
    options: { edge: false, startingPosition: 'LATEST', nameSuffix: options.suffix },
    deadline: Date.now() + 120_000,
  };
}

/** Restores one item and returns the result with its overall action. */
export async function restoreWith(
  kind: ResourceKind,
  item: ItemResult,
  context: RestoreContext,
): Promise<RestoreResult & { action: Action }> {
  const restore = kind.restore;
  if (!restore) throw new Error(`${kind.kind} cannot restore`);
  const result = await restore(item, context);
  return { ...result, action: result.action ?? overallAction(result.changes) };
}

/** Asserts every field of `restored` equals the original's, naming the first field that differs. */
export function expectSameFields(original: Record<string, unknown>, restored: Record<string, unknown>) {
  const fields = [...new Set([...Object.keys(original), ...Object.keys(restored)])].sort();
  expect(Object.fromEntries(fields.map((field) => [field, restored[field]]))).toEqual(
    Object.fromEntries(fields.map((field) => [field, original[field]])),
  );
}
