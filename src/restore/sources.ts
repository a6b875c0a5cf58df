import type { Manifest } from '../../schemas/manifest.js';
import type { RegionPlan, RestorePlan } from '../../schemas/restore.js';
import type { ItemResult } from '../../schemas/work-item.js';
import { InputValidationError } from '../errors.js';
import { type PointInTime, RunCatalog, type TrustOptions } from '../store/catalog.js';
import type { BackupStore } from '../store/store.js';

/**
 * Where the resources of a restore come from: one run (`--run`), or per resource the newest run at
 * or before a point in time that holds it (`--as-of`, RunCatalog.pointInTime). A point-in-time plan
 * records each resource's run; a plan of one run records none and every resource comes from `plan.run`.
 */

/** An item to restore and the run it comes from (undefined: no run holds it ok). */
export interface SourcedItem {
  item: ItemResult;
  run?: string;
}

/** The run a planned resource comes from. */
export const sourceRun = (
  plan: Pick<RestorePlan, 'run'>,
  region: Pick<RegionPlan, 'resources'>,
  kind: string,
  name: string,
): string =>
  region.resources.find((resource) => resource.kind === kind && resource.name === name)?.run ?? plan.run;

/**
 * What the store held at `asOf`; a time before every complete run is bad input, named by `field`
 * (`--as-of` on the command line, `asOf` in a state-machine input).
 */
export async function pointInTimeOf(
  store: BackupStore,
  asOf: Date,
  field: string,
  regions?: string[],
  trust: TrustOptions = {},
): Promise<PointInTime> {
  const catalog = new RunCatalog(store, trust);
  const picture = await catalog.pointInTime({ asOf, regions });
  if (picture) return picture;
  const oldest = (await catalog.runIds())[0];
  throw new InputValidationError(
    `${field}: ${asOf.toISOString()} is before the first complete run in ${store.url}` +
      (oldest ? ` (the oldest run is ${oldest})` : ' (it holds no run)'),
  );
}

/** The items of a point in time in one region, each with its run. */
export const sourcedItems = (picture: PointInTime, region: string): SourcedItem[] =>
  picture.resources
    .filter((resource) => resource.region === region)
    .map((resource) => ({ item: resource.item, run: resource.runId }));

/** The item the (trusted) manifest of `runId` recorded for a planned resource. */
export function recordedItem(
  manifests: Manifest[],
  runId: string,
  resource: { region: string; kind: string; name: string },
): ItemResult {
  const recorded = manifests
    .find((manifest) => manifest.runId === runId)
    ?.items.find(
      (candidate) =>
        candidate.region === resource.region &&
        candidate.kind === resource.kind &&
        candidate.name === resource.name,
    );
  if (!recorded)
    throw new InputValidationError(
      `run ${runId} has no ${resource.kind} ${resource.name} in ${resource.region}`,
    );
  return recorded;
}
