import type { JsonObject } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { compileFilter, matchesFilter, type PointFilter } from "../../clients/vectors/filter.js";
import { parseKeyPath } from "../../clients/vectors/key-path.js";

const payload: JsonObject = {
  name: "Ada",
  age: 36,
  ratio: 0.5,
  active: true,
  nothing: null,
  tags: ["math", "poetry"],
  scores: [3, 9],
  meta: { lang: "en", "dotted.key": "yes", deep: { level: 3 } },
  items: [
    { name: "x", qty: 1 },
    { name: "y", qty: 5 },
  ],
  grid: [
    [1, 2],
    [3, 4],
  ],
};

const holds = (filter: PointFilter) => matchesFilter(payload, filter);
const must = (...conditions: PointFilter["must"] & object) => ({ must: conditions });

describe("matchesFilter: match", () => {
  it("compares strings exactly, case included", () => {
    expect(holds(must({ key: "name", match: "Ada" }))).toBe(true);
    expect(holds(must({ key: "name", match: "ada" }))).toBe(false);
  });

  it("compares numbers by value and never with strings or booleans", () => {
    expect(holds(must({ key: "age", match: 36 }))).toBe(true);
    expect(holds(must({ key: "age", match: 36.0 }))).toBe(true);
    expect(holds(must({ key: "age", match: "36" }))).toBe(false);
    expect(holds(must({ key: "active", match: 1 }))).toBe(false);
    expect(holds(must({ key: "ratio", match: 0.5 }))).toBe(true);
  });

  it("compares booleans exactly", () => {
    expect(holds(must({ key: "active", match: true }))).toBe(true);
    expect(holds(must({ key: "active", match: false }))).toBe(false);
    expect(holds(must({ key: "active", match: "true" }))).toBe(false);
  });

  it("holds for an array when any element matches", () => {
    expect(holds(must({ key: "tags", match: "poetry" }))).toBe(true);
    expect(holds(must({ key: "tags", match: "art" }))).toBe(false);
    expect(holds(must({ key: "scores", match: 9 }))).toBe(true);
  });

  it("never holds for null, objects or missing keys", () => {
    expect(holds(must({ key: "nothing", match: "null" }))).toBe(false);
    expect(holds(must({ key: "meta", match: "en" }))).toBe(false);
    expect(holds(must({ key: "missing", match: "x" }))).toBe(false);
    expect(holds(must({ key: "constructor", match: "x" }))).toBe(false);
    expect(holds(must({ key: "toString", any: ["x"] }))).toBe(false);
  });
});

describe("matchesFilter: key paths", () => {
  it("follows dotted paths into nested objects", () => {
    expect(holds(must({ key: "meta.lang", match: "en" }))).toBe(true);
    expect(holds(must({ key: "meta.deep.level", match: 3 }))).toBe(true);
    expect(holds(must({ key: "meta.deep.level.more", match: 3 }))).toBe(false);
    expect(holds(must({ key: "name.first", match: "Ada" }))).toBe(false);
  });

  it("reads keys that contain dots when quoted", () => {
    expect(holds(must({ key: 'meta."dotted.key"', match: "yes" }))).toBe(true);
  });

  it("descends into arrays of objects only with [] or an index, as Qdrant does", () => {
    expect(holds(must({ key: "items[].name", match: "y" }))).toBe(true);
    expect(holds(must({ key: "items.name", match: "y" }))).toBe(false);
    expect(holds(must({ key: "items[0].name", match: "y" }))).toBe(false);
    expect(holds(must({ key: "items[1].name", match: "y" }))).toBe(true);
    expect(holds(must({ key: "items[7].name", match: "y" }))).toBe(false);
    expect(holds(must({ key: "grid[][]", match: 4 }))).toBe(true);
    expect(holds(must({ key: "grid[0][]", match: 4 }))).toBe(false);
  });
});

describe("matchesFilter: any and range", () => {
  it("any holds when the value equals one of the values", () => {
    expect(holds(must({ key: "name", any: ["Bob", "Ada"] }))).toBe(true);
    expect(holds(must({ key: "age", any: ["36", true] }))).toBe(false);
    expect(holds(must({ key: "tags", any: ["art", "math"] }))).toBe(true);
  });

  it("range applies every bound set, inclusive or exclusive", () => {
    expect(holds(must({ key: "age", range: { gte: 36, lte: 36 } }))).toBe(true);
    expect(holds(must({ key: "age", range: { gt: 36 } }))).toBe(false);
    expect(holds(must({ key: "age", range: { lt: 36 } }))).toBe(false);
    expect(holds(must({ key: "age", range: { gt: 30, lt: 40 } }))).toBe(true);
    expect(holds(must({ key: "items[].qty", range: { gte: 5 } }))).toBe(true);
  });

  it("range ignores non-numeric values", () => {
    expect(holds(must({ key: "name", range: { gte: 0 } }))).toBe(false);
    expect(holds(must({ key: "active", range: { gte: 0 } }))).toBe(false);
  });

  it("range tests each array element on its own", () => {
    expect(holds(must({ key: "scores", range: { gte: 4, lte: 8 } }))).toBe(false);
    expect(holds(must({ key: "scores", range: { gte: 8 } }))).toBe(true);
  });
});

describe("matchesFilter: clauses", () => {
  const yes = { key: "name", match: "Ada" } as const;
  const no = { key: "name", match: "Bob" } as const;

  it("must needs every condition", () => {
    expect(holds({ must: [yes, yes] })).toBe(true);
    expect(holds({ must: [yes, no] })).toBe(false);
  });

  it("should needs at least one condition, and is ignored when empty", () => {
    expect(holds({ should: [no, yes] })).toBe(true);
    expect(holds({ should: [no, no] })).toBe(false);
    expect(holds({ must: [yes], should: [] })).toBe(true);
  });

  it("must_not needs every condition to fail; a missing key fails", () => {
    expect(holds({ mustNot: [no] })).toBe(true);
    expect(holds({ mustNot: [no, yes] })).toBe(false);
    expect(holds({ mustNot: [{ key: "missing", match: 1 }] })).toBe(true);
  });

  it("combines the three clauses", () => {
    expect(holds({ must: [yes], should: [no, yes], mustNot: [no] })).toBe(true);
    expect(holds({ must: [yes], should: [no], mustNot: [no] })).toBe(false);
  });

  it("an empty filter matches everything, including an empty payload", () => {
    expect(holds({})).toBe(true);
    expect(matchesFilter({}, {})).toBe(true);
    expect(matchesFilter({}, { must: [yes] })).toBe(false);
  });

  it("a compiled filter gives the same answers on many payloads", () => {
    const predicate = compileFilter({ must: [{ key: "n", range: { gte: 5 } }] });
    const answers = Array.from({ length: 10 }, (_, n) => predicate({ n }));
    expect(answers).toEqual([false, false, false, false, false, true, true, true, true, true]);
  });
});

describe("parseKeyPath", () => {
  it("parses keys, quoted keys, wildcards and indexes", () => {
    expect(parseKeyPath("a.b")).toEqual([
      { kind: "key", key: "a" },
      { kind: "key", key: "b" },
    ]);
    expect(parseKeyPath('a."b.c"[]')).toEqual([
      { kind: "key", key: "a" },
      { kind: "key", key: "b.c" },
      { kind: "each" },
    ]);
    expect(parseKeyPath("a[2].b")).toEqual([
      { kind: "key", key: "a" },
      { kind: "index", index: 2 },
      { kind: "key", key: "b" },
    ]);
    expect(parseKeyPath("city_name-2")).toEqual([{ kind: "key", key: "city_name-2" }]);
  });

  it("rejects malformed paths", () => {
    for (const bad of [
      "",
      ".a",
      "a.",
      "a..b",
      "a[",
      "a[x]",
      "[]",
      "[0].a",
      'a."b',
      'a.""',
      "a]b",
      "a[]b",
    ]) {
      expect(parseKeyPath(bad), bad).toBeUndefined();
    }
  });
});
