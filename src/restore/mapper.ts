import { z } from 'zod';
import { parseOrThrow } from '../../schemas/common.js';
import { type ArnMapSpec, RestorePlan } from '../../schemas/restore.js';
import { InputValidationError } from '../errors.js';
import { ARN_NAMES } from '../kinds/index.js';
import { type ArnMapper, createArnMapper } from '../reconcile/arn-map.js';
import type { BackupStore } from '../store/store.js';
import { idMapPrefix, layerMapKey, outcomeKey, restorePlanKey } from './layout.js';

/** The ARN mapper of a restore's spec, knowing every kind's names. */
export const mapperFor = (spec: ArnMapSpec): ArnMapper => createArnMapper(spec, ARN_NAMES);

const IdMap = z.record(z.string(), z.string());

/** Every id the restore's re-created resources got in the target region (recorded id → new id). */
export async function restoredIds(
  store: BackupStore,
  runId: string,
  restoreId: string,
  region: string,
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for await (const key of store.list(idMapPrefix(runId, restoreId, region)))
    Object.assign(ids, parseOrThrow(IdMap, await store.getJson(key), key));
  return ids;
}

/**
 * The ARN mapper a finished restore used for one source region, with the layer versions and the
 * function version numbers it ended up with: what `expectedPicture` needs after the fact.
 */
export async function mapperOfRestore(
  store: BackupStore,
  runId: string,
  restoreId: string,
  region: string,
): Promise<ArnMapper> {
  const plan = parseOrThrow(
    RestorePlan,
    await store.getJson(restorePlanKey(runId, restoreId)),
    `restore plan ${restoreId}`,
  );
  const regionPlan = plan.regions.find((candidate) => candidate.source === region);
  if (!regionPlan) throw new InputValidationError(`restore ${restoreId} did not restore ${region}`);
  const layerVersions = ((await store.getJson(layerMapKey(runId, restoreId, region))) ?? {}) as Record<
    string,
    string
  >;
  const functionVersions: Record<string, Record<string, string>> = {};
  for (const resource of regionPlan.resources.filter((candidate) => candidate.kind === 'lambda-function')) {
    const outcome = (await store.getJson(
      outcomeKey(runId, restoreId, region, 'lambda-function', resource.name),
    )) as { details?: { versionMap?: Record<string, string> } } | undefined;
    functionVersions[resource.name] = outcome?.details?.versionMap ?? {};
  }
  const ids = await restoredIds(store, runId, restoreId, region);
  return mapperFor({
    ...regionPlan.mapping,
    apiIds: { ...regionPlan.mapping.apiIds, ...ids },
    layerVersions,
    functionVersions,
  });
}
