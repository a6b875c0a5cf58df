import { parseOrThrow } from '../../schemas/common.js';
import type { Manifest } from '../../schemas/manifest.js';
import {
  type Change,
  ItemOutcome,
  type RegionPlan,
  RestorePlan,
  type RestoreRegionRef,
  type RestoreResourceItem,
  type RestoreTriggerItem,
} from '../../schemas/restore.js';
import { type Caught, caughtError } from '../aws/caught.js';
import { isTransient } from '../aws/errors.js';
import { InputValidationError } from '../errors.js';
import { KINDS } from '../kinds/index.js';
import { loadFunctionSnapshot } from '../kinds/lambda-function/format.js';
import { restoreLayers } from '../kinds/lambda-function/layers.js';
import { RESTORE_TIERS } from '../kinds/types.js';
import { restoreFromRecoveryPoint } from '../policy/aws-backup-restore.js';
import type { RestoreContext, RestoreResult } from '../reconcile/context.js';
import { maskChanges, overallAction } from '../reconcile/diff.js';
import { withBandwidthCap } from '../store/bandwidth.js';
import { RunCatalog } from '../store/catalog.js';
import { openStore } from '../store/open.js';
import type { BackupStore } from '../store/store.js';
import { trustedView } from '../store/trusted.js';
import { clearListingMemos, TRIGGER_TYPES } from '../triggers/index.js';
import { idMapKey, layerMapKey, outcomeKey, restorePlanKey } from './layout.js';
import { mapperFor, restoredIds } from './mapper.js';
import { recordedItem, sourceRun } from './sources.js';

/** Leave this much of the Lambda time limit for writing the outcome. */
const SAFETY_MARGIN_MS = 60_000;

export interface Loaded {
  /** The store as this restore may read it: the run's artifacts checked against its manifest. */
  store: BackupStore;
  plan: RestorePlan;
  region: RegionPlan;
  /** The run's manifest, its signature checked. */
  manifest: Manifest;
  /** The manifests of every run the region's resources come from (point in time), plan.run's first. */
  manifests: Manifest[];
}

/** The run's trusted manifest (signed; unsigned only when the restore was told --allow-unsigned). */
export const trustedManifest = (store: BackupStore, plan: Pick<RestorePlan, 'run' | 'options'>) =>
  new RunCatalog(store, { allowUnsigned: plan.options.allowUnsigned }).completeManifest(plan.run);

async function loadPlan(ref: RestoreRegionRef): Promise<Loaded> {
  const store = openStore(ref.store);
  const plan = parseOrThrow(
    RestorePlan,
    await store.getJson(restorePlanKey(ref.run, ref.restoreId)),
    `restore plan ${ref.restoreId}`,
  );
  const region = plan.regions.find((candidate) => candidate.source === ref.region);
  if (!region) throw new InputValidationError(`restore plan ${ref.restoreId} has no region ${ref.region}`);
  const runs = [...new Set([plan.run, ...region.resources.flatMap((resource) => resource.run ?? [])])];
  const manifests = await Promise.all(runs.map((run) => trustedManifest(store, { ...plan, run })));
  const manifest = manifests[0] as Manifest;
  return { store: trustedView(store, manifests), plan, region, manifest, manifests };
}

/** Loads the plan, then runs `work` with the restore's `--max-bandwidth` (the plan's) on its transfers. */
async function withPlan<T>(ref: RestoreRegionRef, work: (loaded: Loaded) => Promise<T>): Promise<T> {
  const loaded = await loadPlan(ref);
  return withBandwidthCap(loaded.plan.options.maxBandwidth, () => work(loaded));
}

export async function contextFor(
  { store, plan, region }: Loaded,
  remainingMs: number,
  functionVersions: Record<string, Record<string, string>> = {},
): Promise<RestoreContext> {
  const layerVersions = ((await store.getJson(layerMapKey(plan.run, plan.restoreId, region.source))) ??
    {}) as Record<string, string>;
  // Ids of what earlier tiers re-created (a new API's id) win over those the plan found in the target.
  const ids = await restoredIds(store, plan.run, plan.restoreId, region.source);
  return {
    store,
    runId: plan.run,
    restoreId: plan.restoreId,
    sourceRegion: region.source,
    targetRegion: region.target,
    mapper: mapperFor({
      ...region.mapping,
      apiIds: { ...region.mapping.apiIds, ...ids },
      layerVersions,
      functionVersions,
    }),
    apply: !plan.options.dryRun,
    force: plan.options.force,
    options: {
      edge: plan.options.edge,
      startingPosition: plan.options.startingPosition,
      nameSuffix: plan.options.nameSuffix,
      redeployStage: plan.options.redeployStage ?? false,
    },
    deadline: Date.now() + Math.max(remainingMs - SAFETY_MARGIN_MS, remainingMs / 2),
  };
}

async function writeOutcome(
  { store, plan, region }: Loaded,
  kind: string,
  name: string,
  result: RestoreResult & { error?: ItemOutcome['error'] },
): Promise<ItemOutcome> {
  const outcome = parseOrThrow(
    ItemOutcome,
    {
      region: region.source,
      target: region.target,
      kind,
      name,
      action: result.action ?? overallAction(result.changes),
      // Stored, reported, copied and published: environment values never are (see maskSecrets).
      changes: maskChanges(result.changes),
      notes: result.notes,
      details: result.details,
      error: result.error,
    },
    'restore outcome',
  );
  await store.putJson(outcomeKey(plan.run, plan.restoreId, region.source, kind, name), outcome);
  return outcome;
}

/**
 * First state of a region: re-creates the layer versions its functions use (once, before any
 * function), records their new ARNs for the ARN mapper, and lists the region's work items.
 */
export async function prepareRegion(ref: RestoreRegionRef, remainingMs: number) {
  return withPlan(ref, async (loaded) => {
    const { store, plan, region } = loaded;
    const context = await contextFor(loaded, remainingMs);
    const functions = region.resources.filter((resource) => resource.kind === 'lambda-function');
    const snapshots = await Promise.all(
      functions.map((fn) => loadFunctionSnapshot(store, fn.run ?? plan.run, region.source, fn.name)),
    );
    const { layerVersions, changes } = await restoreLayers(
      snapshots.flatMap((snapshot) => snapshot.layers),
      context,
    );
    await store.putJson(layerMapKey(plan.run, plan.restoreId, region.source), layerVersions);
    if (changes.length) await writeOutcome(loaded, 'lambda-layer', 'layers', { changes, notes: [] });
    for (const skipped of region.skipped)
      await writeOutcome(loaded, skipped.kind, skipped.name, {
        changes: [
          { resource: `${skipped.kind} ${skipped.name}`, action: skipped.action, note: skipped.reason },
        ],
        notes: [],
      });
    const base = { restoreId: ref.restoreId, store: ref.store, run: ref.run, region: ref.region };
    // Tier by tier (RESTORE_TIERS): roles, images, queues, topics, buses, APIs, data, functions.
    const tiers = RESTORE_TIERS.map((tier) =>
      region.resources
        .filter((resource) => KINDS[resource.kind].restoreTier === tier)
        .map((resource) => ({ ...base, kind: resource.kind, name: resource.name })),
    ).filter((items) => items.length > 0);
    return {
      ...base,
      tiers,
      triggers: region.triggerGroups.map((group) => ({ ...base, group: group.key })),
    };
  });
}

/** One resource of any kind: compare, then apply; ids it generated are recorded for the later tiers. */
export async function restoreResource(item: RestoreResourceItem, remainingMs: number) {
  return withPlan(item, async (loaded) => {
    const restore = KINDS[item.kind]?.restore;
    if (!restore) throw new InputValidationError(`restoring ${item.kind} is not available`);
    // A point-in-time restore takes each resource from its own run (recorded in the plan).
    const runId = sourceRun(loaded.plan, loaded.region, item.kind, item.name);
    const recorded = recordedItem(loaded.manifests, runId, item);
    const context = { ...(await contextFor(loaded, remainingMs)), runId, cursor: item.cursor };
    const planned = loaded.region.resources.find((r) => r.kind === item.kind && r.name === item.name);
    const result = planned?.recoveryPoint
      ? await restoreFromRecoveryPoint(recorded, planned.recoveryPoint, context)
      : await restore(recorded, context);
    const done = result.done ?? true;
    if (result.ids && Object.keys(result.ids).length && context.apply)
      await loaded.store.putJson(
        idMapKey(item.run, item.restoreId, item.region, item.kind, item.name),
        result.ids,
      );
    const outcome = await writeOutcome(loaded, item.kind, item.name, result);
    return { ...item, cursor: done ? undefined : result.cursor, done, action: outcome.action };
  });
}

/**
 * The triggers of one group, in order, each re-wired to its restored function. The functions'
 * outcomes give the version numbers they were republished under; a trigger of a function that was
 * not restored is blocked.
 */
export async function restoreTriggerGroup(item: RestoreTriggerItem, remainingMs: number) {
  // Compare-first against the live sources: a listing memoized earlier in this process (a backup, or
  // the tiers that re-created a topic or bucket moments ago) would say a deleted trigger still exists.
  clearListingMemos();
  return withPlan(item, async (loaded) => {
    const { store, plan, region } = loaded;
    const group = region.triggerGroups.find((candidate) => candidate.key === item.group);
    if (!group)
      throw new InputValidationError(`restore plan ${plan.restoreId} has no trigger group ${item.group}`);
    const functions = [...new Set(group.triggers.map((trigger) => trigger.function))];
    const outcomes = new Map(
      await Promise.all(
        functions.map(async (name) => {
          const stored = await store.getJson(
            outcomeKey(plan.run, plan.restoreId, region.source, 'lambda-function', name),
          );
          return [
            name,
            stored === undefined ? undefined : parseOrThrow(ItemOutcome, stored, `outcome of ${name}`),
          ] as const;
        }),
      ),
    );
    const versions = Object.fromEntries(
      [...outcomes].map(([name, outcome]) => [
        name,
        (outcome?.details?.versionMap ?? {}) as Record<string, string>,
      ]),
    );
    const context = await contextFor(loaded, remainingMs, versions);
    const recordOf = async (ref: (typeof group.triggers)[number]) =>
      (
        await loadFunctionSnapshot(
          store,
          sourceRun(plan, region, 'lambda-function', ref.function),
          region.source,
          ref.function,
        )
      ).triggers.find((trigger) => trigger.type === ref.type && trigger.id === ref.id);
    const changes: Change[] = [];
    const notes: string[] = [];
    for (const ref of group.triggers) {
      const resource = `${ref.type} ${ref.id}`;
      const outcome = outcomes.get(ref.function);
      if (!outcome || outcome.action === 'failed' || outcome.action === 'blocked') {
        changes.push({ resource, action: 'blocked', note: `function ${ref.function} was not restored` });
        continue;
      }
      const record = await recordOf(ref);
      const type = TRIGGER_TYPES.find((candidate) => candidate.type === ref.type);
      if (!record || !type) {
        changes.push({
          resource,
          action: 'failed',
          note: 'not in the stored snapshot, or an unknown trigger type',
        });
        continue;
      }
      try {
        const result = await type.restore(record, context);
        changes.push(...result.changes);
        notes.push(...result.notes);
      } catch (error) {
        // One trigger failing does not stop the others of its group; transient errors still retry the group.
        if (isTransient(error)) throw error;
        changes.push({
          resource,
          action: 'failed',
          note: `${(error as Error).name}: ${(error as Error).message}`,
        });
      }
    }
    // Once per source, after all its triggers: a REST API's stages deployed again (--redeploy-stage).
    for (const type of TRIGGER_TYPES.filter((candidate) => candidate.finishGroup)) {
      const records = group.triggers.filter((ref) => ref.type === type.type);
      if (!records.length) continue;
      const finished = await type.finishGroup?.(
        (await Promise.all(records.map((ref) => recordOf(ref)))).filter((record) => record !== undefined),
        changes,
        context,
      );
      changes.push(...(finished?.changes ?? []));
      notes.push(...(finished?.notes ?? []));
    }
    const outcome = await writeOutcome(loaded, 'triggers', group.key, { changes, notes });
    return { ...item, action: outcome.action };
  });
}

/** The Catch path: the item is recorded as failed with its error; the restore goes on. */
export async function recordRestoreFailure(
  item: RestoreRegionRef & {
    kind?: string;
    name?: string;
    group?: string;
    error: Caught;
  },
) {
  const loaded = await loadPlan(item);
  const kind = item.group ? 'triggers' : (item.kind ?? 'unknown');
  const name = item.group ?? item.name ?? 'unknown';
  const error = caughtError(item.error);
  await writeOutcome(loaded, kind, name, {
    action: 'failed',
    changes: [{ resource: `${kind} ${name}`, action: 'failed', note: `${error.name}: ${error.message}` }],
    notes: [],
    error,
  });
  return { region: item.region, kind, name, done: true, action: 'failed' as const };
}
