/**
 * Every page of a list call. `fetchPage` gets the previous page's token (undefined first) and returns
 * the page's items and the next token. Stops when there is no token, or when a token repeats (an
 * emulator that ignores it would otherwise loop forever).
 */
export async function paginate<T>(
  fetchPage: (token: string | undefined) => Promise<{ items?: T[] | undefined; next?: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    all.push(...(page.items ?? []));
    token = page.next && page.next !== token ? page.next : undefined;
  } while (token);
  return all;
}
