/**
 * The server pages lists by keyset; the CLI follows `nextCursor` until it has `limit` items
 * or the list ends, and says whether more would have matched.
 */
export interface KeysetPage<T> {
  items: T[];
  nextCursor: string | null;
}

export async function collectPages<T>(
  limit: number,
  pageSize: number,
  fetchPage: (request: { limit: number; cursor?: string }) => Promise<KeysetPage<T>>,
): Promise<{ items: T[]; hasMore: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage({
      limit: Math.min(pageSize, limit - items.length),
      ...(cursor === undefined ? {} : { cursor }),
    });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && items.length < limit);
  return { items, hasMore: cursor !== undefined };
}
