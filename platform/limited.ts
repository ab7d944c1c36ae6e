/**
 * Work over many items with a bound on how much runs at once: enough to keep
 * Temporal and PostgreSQL busy, never so much that one request floods them.
 */

/** `fn` on every item, at most `limit` at a time; the answers in the items' order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return out;
}
