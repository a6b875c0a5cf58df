import type { Deletion, TeardownContext } from '../types.js';

/** How a drill's cleanup reads and deletes one kind of API by id. */
export interface ApiByIdOps {
  /** The API's name, or undefined when it is gone. */
  nameOf(id: string): Promise<string | undefined>;
  remove(id: string): Promise<void>;
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
