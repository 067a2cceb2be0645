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
