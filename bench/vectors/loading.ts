/** `[start, end)` ranges covering `count` items, `size` at a time. */
export function inBatches(count: number, size: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let start = 0; start < count; start += size)
    ranges.push([start, Math.min(count, start + size)]);
  return ranges;
}

/** Runs `work` on every item, at most `inFlight` at a time; rejects on the first failure. */
export async function runInFlight<T, R>(
  items: readonly T[],
  inFlight: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, items.length) }, worker));
  return results;
}
