import { expect, it } from "vitest";
import type { PointFilter, VectorStore } from "../../clients/vectors/port.js";
import {
  type ContractContext,
  ids,
  point,
  query,
  randomVectors,
  referenceTop,
  upsertAll,
} from "./vectors.fixtures.js";

const people = [
  point("p1", [1, 0], { city: "Berlin", n: 1, ok: true, meta: { lang: "de" }, tags: ["a", "b"] }),
  point("p2", [0.9, 0.1], { city: "London", n: 2, ok: false, meta: { lang: "en" }, tags: ["b"] }),
  point("p3", [0.8, 0.2], { city: "Berlin", n: 3.5, ok: false, meta: { lang: "en" }, tags: [] }),
  point("p4", [0.7, 0.3], { city: "Paris", n: "4", ok: true, tags: ["c"], nums: [1, 10] }),
  point("p5", [0.6, 0.4], {}),
  point("p6", [0.5, 0.5], {
    city: ["Berlin", "Paris"],
    n: 10,
    ok: "true",
    items: [{ name: "x" }, { name: "y" }],
  }),
];

/** Payload indexes on the keys the cases filter by whose values all have one type. */
const indexedKeys = [
  { key: "city", type: "keyword" },
  { key: "meta.lang", type: "keyword" },
  { key: "tags", type: "keyword" },
  { key: "ok", type: "bool" },
] as const;

/** The ids matching a filter, read three ways that must agree: count, scroll and search. */
async function matching(
  store: VectorStore,
  tenant: string,
  filter: PointFilter,
): Promise<string[]> {
  const scrolled = await store.scroll(tenant, "people", {
    filter,
    limit: 100,
    withPayload: false,
    withVector: false,
  });
  const found = ids(scrolled.points).sort();
  expect(await store.count(tenant, "people", filter)).toBe(found.length);
  const hits = await store.search(tenant, "people", query([1, 0], { filter, limit: 100 }));
  expect(ids(hits).sort()).toEqual(found);
  return found;
}

const cases: [string, PointFilter, string[]][] = [
  ["match on a string", { must: [{ key: "city", match: "Berlin" }] }, ["p1", "p3", "p6"]],
  ["match on a number, by value and type", { must: [{ key: "n", match: 2 }] }, ["p2"]],
  ["match never equates a number with a string", { must: [{ key: "n", match: 4 }] }, []],
  ["match on a string that looks like a number", { must: [{ key: "n", match: "4" }] }, ["p4"]],
  ["match on a boolean", { must: [{ key: "ok", match: true }] }, ["p1", "p4"]],
  ["match on false", { must: [{ key: "ok", match: false }] }, ["p2", "p3"]],
  [
    "any of several values, including inside arrays",
    { must: [{ key: "city", any: ["London", "Paris"] }] },
    ["p2", "p4", "p6"],
  ],
  ["match inside an array payload", { must: [{ key: "tags", match: "b" }] }, ["p1", "p2"]],
  [
    "range with two bounds, numbers only",
    { must: [{ key: "n", range: { gte: 2, lt: 10 } }] },
    ["p2", "p3"],
  ],
  [
    "range with an inclusive upper bound",
    { must: [{ key: "n", range: { lte: 10 } }] },
    ["p1", "p2", "p3", "p6"],
  ],
  [
    "range over an array: any element in range",
    { must: [{ key: "nums", range: { gt: 5 } }] },
    ["p4"],
  ],
  [
    "range over an array: each element tested alone",
    { must: [{ key: "nums", range: { gte: 2, lte: 5 } }] },
    [],
  ],
  ["a nested key by dotted path", { must: [{ key: "meta.lang", match: "en" }] }, ["p2", "p3"]],
  ["keys inside arrays of objects", { must: [{ key: "items[].name", match: "y" }] }, ["p6"]],
  [
    "should: at least one holds",
    {
      should: [
        { key: "city", match: "London" },
        { key: "ok", match: true },
      ],
    },
    ["p1", "p2", "p4"],
  ],
  [
    "must_not: none holds, and missing keys do not hold",
    { mustNot: [{ key: "city", match: "Berlin" }] },
    ["p2", "p4", "p5"],
  ],
  [
    "must, should and must_not together",
    {
      must: [{ key: "n", range: { gte: 1 } }],
      should: [
        { key: "meta.lang", match: "en" },
        { key: "city", match: "Paris" },
      ],
      mustNot: [{ key: "ok", match: false }],
    },
    ["p6"],
  ],
  ["an empty filter matches every point", {}, ["p1", "p2", "p3", "p4", "p5", "p6"]],
];

/** Filter semantics (Qdrant's), applied identically by count, scroll, search and delete. */
export function describeVectorFilters(ctx: ContractContext): void {
  const seed = async (indexed = false) => {
    await ctx.store.createCollection(ctx.tenant, {
      name: "people",
      dimension: 2,
      distance: "dot",
      payloadIndexes: indexed ? indexedKeys : [],
    });
    await ctx.store.upsert(ctx.tenant, "people", people);
  };

  for (const [name, filter, expected] of cases) {
    it(`filters: ${name}`, async () => {
      await seed();
      expect(await matching(ctx.store, ctx.tenant, filter)).toEqual(expected);
    });
    it(`filters on indexed keys: ${name}`, async () => {
      await seed(true);
      expect(await matching(ctx.store, ctx.tenant, filter)).toEqual(expected);
    });
  }

  it("deletes the points matching a filter and no others", async () => {
    await seed();
    const deleted = await ctx.store.delete(ctx.tenant, "people", {
      filter: { must: [{ key: "ok", match: true }] },
    });
    expect(deleted).toBe(2);
    expect(await matching(ctx.store, ctx.tenant, {})).toEqual(["p2", "p3", "p5", "p6"]);
  });

  it("returns exactly the right hits for a selective filter over many points", async () => {
    const dimension = 8;
    const vectors = randomVectors(5000, dimension, 3);
    const points = vectors.map((vector, i) => ({
      id: `p${i}`,
      vector,
      payload: { group: i % 1000 === 7 ? "needle" : "hay", half: i % 2 === 0 },
    }));
    await ctx.store.createCollection(ctx.tenant, { name: "big", dimension, distance: "euclid" });
    await upsertAll(ctx.store, ctx.tenant, "big", points);
    const needles = points.filter((p) => p.payload.group === "needle");
    const halves = points.filter((p) => p.payload.half);
    for (const vector of randomVectors(5, dimension, 17)) {
      const selective = await ctx.store.search(
        ctx.tenant,
        "big",
        query(vector, { filter: { must: [{ key: "group", match: "needle" }] }, withPayload: true }),
      );
      expect(ids(selective)).toEqual(referenceTop("euclid", needles, vector, 10));
      expect(selective.every((hit) => hit.payload?.group === "needle")).toBe(true);

      const half = { must: [{ key: "half", match: true }] };
      const exact = await ctx.store.search(
        ctx.tenant,
        "big",
        query(vector, { filter: half, exact: true }),
      );
      expect(ids(exact)).toEqual(referenceTop("euclid", halves, vector, 10));
      const approximate = await ctx.store.search(
        ctx.tenant,
        "big",
        query(vector, { filter: half }),
      );
      expect(approximate).toHaveLength(10);
      expect(approximate.every((hit) => Number(hit.id.slice(1)) % 2 === 0)).toBe(true);
    }
  });

  it("finds matching points even when all of them lie far from the query", async () => {
    const dimension = 8;
    const offsets = randomVectors(5000, dimension, 5);
    const points = offsets.map((offset, i) => {
      const far = i % 5 < 3;
      return {
        id: `p${i}`,
        vector: offset.map((x) => (far ? 50 + x : x)),
        payload: { far },
      };
    });
    await ctx.store.createCollection(ctx.tenant, { name: "big", dimension, distance: "euclid" });
    await upsertAll(ctx.store, ctx.tenant, "big", points);
    const farPoints = points.filter((p) => p.payload.far);
    const origin = new Array<number>(dimension).fill(0);
    const hits = await ctx.store.search(
      ctx.tenant,
      "big",
      query(origin, { filter: { must: [{ key: "far", match: true }] } }),
    );
    expect(ids(hits)).toEqual(referenceTop("euclid", farPoints, origin, 10));
  });
}
