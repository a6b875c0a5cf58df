import type { Deletion, TeardownContext } from '../types.js';

/** How the API kinds (REST, HTTP) read and delete their APIs by id. */
export interface ApiByIdOps {
  /** The API's name, or undefined when it is gone. */
  nameOf(id: string): Promise<string | undefined>;
  remove(id: string): Promise<void>;
}

/**
 * Where a backed-up API is in the target: the recorded id when it still carries the name, else the one
 * API of that name (`ambiguous` when several have it, no id when none does).
 */
export async function locateApi(
  recordedId: string,
  name: string,
  ops: {
    nameOf(id: string): Promise<string | undefined>;
    /** Every API of the region, id and name. */
    list(): Promise<{ id?: string; name?: string }[]>;
  },
): Promise<{ id?: string; ambiguous?: number }> {
  if ((await ops.nameOf(recordedId)) === name) return { id: recordedId };
  const named = (await ops.list()).filter((api) => api.name === name);
  if (named.length > 1) return { ambiguous: named.length };
  return { id: named[0]?.id };
}

/**
 * Drill cleanup of a scratch API (REST or HTTP): found by the id the drill's restore gave it (the ids
 * it recorded), and deleted only when its name carries the drill's suffix.
 */
export function scratchApiDeletions(
  label: string,
  name: string,
  context: TeardownContext,
  ops: ApiByIdOps,
): Deletion[] {
  const source = context.source ?? name;
  const suffix = name.slice(source.length);
  const id = context.mapper?.spec.apiIds[source];
  if (!id || id === source || !suffix) return [];
  return [
    {
      resource: `${label} ${id}`,
      remove: async () => {
        if (!(await ops.nameOf(id))?.endsWith(suffix)) return false;
        await ops.remove(id);
        return true;
      },
    },
  ];
}
