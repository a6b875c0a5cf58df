import type { KindName } from '../../schemas/common.js';
import type { Selection } from '../../schemas/policy.js';
import { RunPlan } from '../../schemas/run-input.js';
import { mapLimit } from '../concurrency.js';
import { matchesAny } from '../glob.js';
import { kindModule } from '../kinds/index.js';
import { planKey } from '../store/layout.js';
import type { BackupStore } from '../store/store.js';

interface Resource {
  region: string;
  kind: KindName;
  name: string;
}

/** The resources a policy's selection keeps: by kind, by name glob, then by tags (read only if asked). */
export async function selectResources<T extends Resource>(
  resources: T[],
  selection: Selection,
): Promise<T[]> {
  const candidates = resources.filter(
    (resource) => selection.kinds.includes(resource.kind) && matchesAny(resource.name, selection.names),
  );
  if (Object.keys(selection.tags).length === 0) return candidates;
  const keep = await mapLimit(candidates, 8, async (resource) =>
    tagsMatch(await kindModule(resource.kind).tags(resource.region, resource.name), selection.tags),
  );
  return candidates.filter((_, index) => keep[index]);
}

/** Discover's filter: when the run follows a policy (recorded in its plan), only what it selects. */
export async function selectForRun<T extends Resource>(
  store: BackupStore,
  runId: string,
  items: T[],
): Promise<T[]> {
  const plan = RunPlan.safeParse(await store.getJson(planKey(runId)));
  const policy = plan.success ? plan.data.policy : undefined;
  return policy ? selectResources(items, policy.select) : items;
}

/** True when every wanted tag is there with that value (`*`: any value). */
export function tagsMatch(tags: Record<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(
    ([key, value]) => key in tags && (value === '*' || tags[key] === value),
  );
}
