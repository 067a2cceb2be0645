import { describe, expect, it } from "vitest";
import {
  compareIds,
  type IdSource,
  idsAfter,
  type KeyEquality,
  orderKey,
  orderKeyLevels,
  orderKeys,
  sortIds,
} from "../../clients/vectors/qdrant/ordering.js";

/**
 * An in-memory IdSource that honours only what the interface promises (scan in any
 * order, ordered by one key with ties in any order), shuffling wherever it may, so the
 * paging logic is tested on its own. It says nothing about Qdrant itself.
 */
function memorySource(ids: readonly string[], seed = 1): IdSource & { requests: number } {
  let state = seed;
  const shuffle = <T>(items: T[]): T[] => {
    for (let i = items.length - 1; i > 0; i--) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const j = state % (i + 1);
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  };
  const inScope = (scope: readonly KeyEquality[]) =>
    shuffle(ids.filter((id) => scope.every((eq) => orderKey(id, eq.level) === eq.key)));
  return {
    requests: 0,
    async scan(scope, limit) {
      this.requests += 1;
      const all = inScope(scope);
      return limit === undefined || all.length <= limit
        ? { ids: all, complete: true }
        : { ids: all.slice(0, limit), complete: false };
    },
    async ordered(scope, level, from, limit) {
      this.requests += 1;
      return inScope(scope)
        .filter((id) => from === undefined || orderKey(id, level) >= from)
        .sort((a, b) => orderKey(a, level) - orderKey(b, level))
        .slice(0, limit);
    },
  };
}

async function pageThrough(source: IdSource, pageSize: number, probe: number): Promise<string[]> {
  const seen: string[] = [];
  let after: string | undefined;
  for (;;) {
    const ids = await idsAfter(source, after, pageSize + 1, probe);
    seen.push(...ids.slice(0, pageSize));
    if (ids.length <= pageSize) return seen;
    after = ids[pageSize - 1];
  }
}

describe("order keys", () => {
  it("read 6 UTF-8 bytes per level as a big-endian number, missing bytes as zero", () => {
    expect(orderKey("ab", 0)).toBe(0x616200000000);
    expect(orderKey("abcdefg", 1)).toBe(0x670000000000);
    expect(orderKey("é", 0)).toBe(0xc3a900000000);
    expect(orderKeys("x")).toHaveLength(orderKeyLevels);
    expect(orderKey("\u{10FFFF}".repeat(9), 2)).toBeLessThanOrEqual(2 ** 48 - 1);
  });

  it("never decrease as ids increase in byte order", () => {
    const ids = sortIds([
      "",
      "a",
      "a\u0000",
      "ab",
      "b",
      "é",
      "z",
      "zzzzzzzzzzzzzzzzzzzz",
      "\u{1F600}",
    ]);
    for (let i = 1; i < ids.length; i++) {
      const [a, b] = [ids[i - 1] as string, ids[i] as string];
      expect(compareIds(a, b)).toBeLessThan(0);
      expect(orderKey(a, 0)).toBeLessThanOrEqual(orderKey(b, 0));
    }
  });

  it("order ids by UTF-8 bytes, as SQLite's BINARY collation does (not by UTF-16 units)", () => {
    expect(sortIds(["\u{1F600}", "\uFF5E", "a", "a"])).toEqual(["a", "\uFF5E", "\u{1F600}"]);
  });
});

describe("idsAfter", () => {
  const shapes: Record<string, string[]> = {
    "distinct short ids": Array.from({ length: 25 }, (_, i) => `p${String(i).padStart(2, "0")}`),
    "ids sharing their first 18 bytes": Array.from(
      { length: 40 },
      (_, i) => `document-0000-0000-chunk-${i}`,
    ),
    "ids sharing 6 or 12 bytes": Array.from(
      { length: 60 },
      (_, i) => `tenant-${String(i % 3)}-doc-${String(i % 7)}-${i}`,
    ),
    "unicode and prefixes of each other": [
      "a",
      "ab",
      "abc",
      "é",
      "éé",
      "\u{1F600}",
      "a\u0000",
      "b",
    ],
  };

  for (const [name, ids] of Object.entries(shapes)) {
    it(`pages through ${name} in byte order, each once, at any page size`, async () => {
      const expected = sortIds(ids);
      for (const [pageSize, probe] of [
        [1, 2],
        [3, 2],
        [7, 4],
        [10, 256],
      ] as const) {
        expect(await pageThrough(memorySource(ids, pageSize), pageSize, probe)).toEqual(expected);
      }
    });
  }

  it("starts after a cursor that no longer exists", async () => {
    const source = memorySource(["a1", "a3", "b1", "b2"]);
    expect(await idsAfter(source, "a2", 10, 1)).toEqual(["a3", "b1", "b2"]);
    expect(await idsAfter(source, "zz", 10, 1)).toEqual([]);
  });

  it("answers a small set with one read", async () => {
    const source = memorySource(["c", "a", "b"]);
    expect(await idsAfter(source, "a", 1)).toEqual(["b"]);
    expect(source.requests).toBe(1);
  });

  it("costs a bounded number of reads per page when ids differ early", async () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `${(i * 7919) % 2000}`.padStart(4, "0"));
    const source = memorySource(ids);
    const page = await idsAfter(source, "1000", 11, 8);
    expect(page).toEqual(
      sortIds(ids)
        .filter((id) => id > "1000")
        .slice(0, 11),
    );
    expect(source.requests).toBeLessThanOrEqual(2 * (orderKeyLevels + 1) + 1);
  });
});
