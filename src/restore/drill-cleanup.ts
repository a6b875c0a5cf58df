import type { CleanedResource, DrillCleanup, RegionPlan, RestoreRef } from '../../schemas/restore.js';
import { isNotFound, isTransient } from '../aws/errors.js';
import { InputValidationError, TransientAwsError } from '../errors.js';
import { KINDS } from '../kinds/index.js';
import { layerTeardown } from '../kinds/lambda-function/teardown.js';
import { type Deletion, RESTORE_TIERS, type ResourceKind } from '../kinds/types.js';
import { openStore } from '../store/open.js';
import type { BackupStore } from '../store/store.js';
import { cleanupKey, DRILL_SUFFIX, readRestorePlan } from './drill.js';
import { mapperFor, restoredIds } from './mapper.js';

/**
 * DrillCleanup: deletes everything a drill created, in reverse dependency order — the triggers wired
 * to each scratch function, the functions (with their versions, aliases, URLs and permissions), the
 * scratch layer versions, then the streams, buckets (every object version first) and tables, the
 * APIs, buses, topics, queues, images and roles (reverse restore order). It works
 * from the drill's plan and the scratch names, not from what the restore reported, so it also cleans
 * up after a restore that failed half-way; it refuses any restore that is not a drill. Each deletion
 * is tried on its own: one failure never keeps the others from running, and what could not be deleted
 * is reported as left over (a transient failure retries the whole, idempotent cleanup).
 */

const failure = (region: string, resource: string, error: unknown): CleanedResource => ({
  region,
  resource,
  action: 'failed',
  note: `${(error as Error).name}: ${(error as Error).message}`,
  ...(isTransient(error) ? { transient: true } : {}),
});

/** Runs the deletions in order, each on its own; `remove` answers false when nothing was there. */
async function runDeletions(region: string, deletions: Deletion[], done: CleanedResource[]): Promise<void> {
  for (const deletion of deletions) {
    try {
      const removed = await deletion.remove();
      done.push({ region, resource: deletion.resource, action: removed ? 'deleted' : 'absent' });
    } catch (error) {
      done.push(
        isNotFound(error)
          ? { region, resource: deletion.resource, action: 'absent' }
          : failure(region, deletion.resource, error),
      );
    }
  }
}

async function cleanRegion(
  store: BackupStore,
  ref: RestoreRef,
  region: RegionPlan,
  suffix: string,
  done: CleanedResource[],
) {
  // With the ids the restore generated: a re-created API is deleted by its new id.
  const ids = await restoredIds(store, ref.run, ref.restoreId, region.source);
  const mapper = mapperFor({ ...region.mapping, apiIds: { ...region.mapping.apiIds, ...ids } });
  const target = region.target;
  const scratch = (kind: Parameters<typeof mapper.mapName>[0], name: string) => {
    const copy = mapper.mapName(kind, name);
    // Never anything but a scratch copy: a name without the drill's suffix is not the drill's.
    if (!copy.endsWith(suffix)) throw new InputValidationError(`${copy} is not a scratch name of this drill`);
    return copy;
  };
  const of = (kind: string) =>
    region.resources.filter((resource) => resource.kind === kind).map((resource) => resource.name);
  /** Finding a copy's deletions may fail too: that copy is reported, the others still run. */
  const collect = async (resource: string, find: () => Promise<Deletion[]>) => {
    try {
      deletions.push(...(await find()));
    } catch (error) {
      done.push(
        isNotFound(error) ? { region: target, resource, action: 'absent' } : failure(target, resource, error),
      );
    }
  };
  const teardownOf = async (module: ResourceKind) => {
    for (const name of of(module.kind)) {
      const copy = scratch(module.nameKind, name);
      await collect(
        `${module.kind} ${copy}`,
        async () => (await module.teardown?.(target, copy, { storeBucket, source: name, mapper })) ?? [],
      );
    }
  };
  const storeBucket = store.s3?.bucket;
  const deletions: Deletion[] = [];
  // Functions with their triggers first, then their layers, then the other kinds in reverse restore
  // order (data, APIs, buses, topics, queues, images, roles).
  await teardownOf(KINDS['lambda-function']);
  for (const layer of region.mapping.restored.layer ?? []) {
    const copy = scratch('layer', layer);
    await collect(`layer ${copy}`, () => layerTeardown(target, copy));
  }
  const tierOf = (module: ResourceKind) => RESTORE_TIERS.indexOf(module.restoreTier);
  const sources = Object.values(KINDS)
    .filter((module) => module.kind !== 'lambda-function')
    .map((module, index) => ({ module, index }))
    .sort((a, b) => tierOf(b.module) - tierOf(a.module) || b.index - a.index);
  for (const { module } of sources) await teardownOf(module);
  await runDeletions(target, deletions, done);
}

/** DrillCleanup (see the module comment). Writes drill/cleanup.json; returns how much is left over. */
export async function cleanupDrill(ref: RestoreRef) {
  const store = openStore(ref.store);
  const plan = await readRestorePlan(store, ref);
  const suffix = plan.options.nameSuffix ?? '';
  if (!plan.options.drill || !DRILL_SUFFIX.test(suffix))
    throw new InputValidationError(
      `restore ${ref.restoreId} is not a drill: it has nothing scratch to clean up`,
    );
  const resources: CleanedResource[] = [];
  for (const region of plan.regions) {
    try {
      await cleanRegion(store, ref, region, suffix, resources);
    } catch (error) {
      resources.push(failure(region.target, `region ${region.target}`, error));
    }
  }
  const cleanup: DrillCleanup = { resources };
  await store.putJson(cleanupKey(ref), cleanup);
  const failed = resources.filter((resource) => resource.action === 'failed');
  if (failed.some((resource) => resource.transient))
    throw new TransientAwsError(`drill cleanup: ${failed.length} deletions failed transiently; retrying`);
  return {
    deleted: resources.filter((resource) => resource.action === 'deleted').length,
    leftovers: failed.length,
  };
}
