/**
 * The one order of ids (node ids, relationship ids, labels) that every graph adapter
 * applies, in the application, so results do not depend on an engine's collation.
 */

/**
 * Compares two strings by Unicode code point, which is also UTF-8 byte order (SQLite's
 * BINARY collation). Plain `<` compares UTF-16 code units, which puts U+10000 and above
 * before U+E000–U+FFFF; this remaps surrogates so they sort after that range.
 * @returns a negative number, zero or a positive number, as `Array.prototype.sort` expects.
 */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** Labels as adapters return them: deduplicated and sorted by `compareIds`. */
export function normalizeLabels(labels: readonly string[]): string[] {
  return [...new Set(labels)].sort(compareIds);
}

/**
 * The items of `found` keyed by id, in the order of `ids`, each once: how batch reads
 * answer (missing ids left out, repeats answered once).
 */
export function inRequestOrder<T extends { readonly id: string }>(
  ids: readonly string[],
  found: Iterable<T>,
): T[] {
  const byId = new Map<string, T>();
  for (const item of found) byId.set(item.id, item);
  const ordered: T[] = [];
  for (const id of new Set(ids)) {
    const item = byId.get(id);
    if (item !== undefined) ordered.push(item);
  }
  return ordered;
}
