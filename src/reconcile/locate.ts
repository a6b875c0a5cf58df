import { mapLimit } from '../concurrency.js';

export interface Named {
  id: string;
  name?: string;
}

/**
 * For each recorded resource (an API, say), the id of the resource that stands for it in the target:
 * the same id when it exists there under the same name, else the only one with that name. Resources
 * found neither way are left out (their triggers are then blocked).
 */
export async function locateByIdOrName(
  recorded: Named[],
  nameOfId: (id: string) => Promise<string | undefined>,
  listAll: () => Promise<Named[]>,
): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  let all: Promise<Named[]> | undefined;
  const unique = [...new Map(recorded.map((entry) => [entry.id, entry])).values()];
  await mapLimit(unique, 4, async ({ id, name }) => {
    const sameId = await nameOfId(id);
    if (sameId !== undefined && (name === undefined || sameId === name)) {
      found[id] = id;
      return;
    }
    all ??= listAll();
    const byName = (await all).filter((candidate) => name !== undefined && candidate.name === name);
    if (byName.length === 1) found[id] = (byName[0] as Named).id;
  });
  return found;
}
