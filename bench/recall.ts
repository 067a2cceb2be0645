/**
 * Mean recall@k of approximate results against exact ones for the same queries: the
 * share of each exact top-k that the approximate top-k also holds.
 */
export function recallAtK(
  approximate: readonly (readonly string[])[],
  exact: readonly (readonly string[])[],
  k: number,
): number {
  if (approximate.length !== exact.length || exact.length === 0) {
    throw new RangeError("recall needs the same non-zero number of approximate and exact results");
  }
  let total = 0;
  exact.forEach((truth, i) => {
    const wanted = truth.slice(0, k);
    const found = new Set(approximate[i]!.slice(0, k));
    const hits = wanted.filter((id) => found.has(id)).length;
    total += wanted.length === 0 ? 1 : hits / wanted.length;
  });
  return total / exact.length;
}
