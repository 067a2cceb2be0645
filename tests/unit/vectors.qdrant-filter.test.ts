import { describe, expect, it } from "vitest";
import {
  matchNothing,
  qdrantFilter,
  qdrantRange,
  toQdrantCondition,
} from "../../clients/vectors/qdrant/filter.js";

const scope = [
  { key: "rp_scope", match: { value: '["acme","docs"]' } },
  { key: "rp_tenant", match: { value: "acme" } },
];

describe("qdrantFilter", () => {
  it("scopes an absent or empty filter to the tenant's collection alone", () => {
    expect(qdrantFilter("acme", "docs", undefined)).toEqual({ must: scope });
    expect(qdrantFilter("acme", "docs", {})).toEqual({ must: scope });
    expect(qdrantFilter("acme", "docs", { must: [], should: [], mustNot: [] })).toEqual({
      must: scope,
    });
  });

  it("adds the tenant (and extra conditions) to must, keeping should and must_not as they are", () => {
    const filter = qdrantFilter(
      "acme",
      "docs",
      {
        must: [{ key: "n", range: { gte: 1 } }],
        should: [
          { key: "meta.lang", match: "en" },
          { key: "city", match: "Paris" },
        ],
        mustNot: [{ key: "ok", match: false }],
      },
      [{ has_id: ["bbbfca86-49ad-5a6f-b910-2b7bf2776a45"] }],
    );
    expect(filter).toEqual({
      must: [
        ...scope,
        { has_id: ["bbbfca86-49ad-5a6f-b910-2b7bf2776a45"] },
        { key: "rp_payload.n", range: { gte: 1 } },
      ],
      should: [
        { key: "rp_payload.meta.lang", match: { value: "en" } },
        { key: "rp_payload.city", match: { value: "Paris" } },
      ],
      must_not: [{ key: "rp_payload.ok", match: { value: false } }],
    });
  });
});

describe("toQdrantCondition: match", () => {
  it("sends strings, booleans and integers as match.value", () => {
    expect(toQdrantCondition({ key: "city", match: "Berlin" })).toEqual({
      key: "rp_payload.city",
      match: { value: "Berlin" },
    });
    expect(toQdrantCondition({ key: "ok", match: true })).toEqual({
      key: "rp_payload.ok",
      match: { value: true },
    });
    expect(toQdrantCondition({ key: "n", match: -2 })).toEqual({
      key: "rp_payload.n",
      match: { value: -2 },
    });
  });

  it("turns a non-integer number, which match.value cannot hold, into a closed range", () => {
    expect(toQdrantCondition({ key: "n", match: 3.5 })).toEqual({
      key: "rp_payload.n",
      range: { gte: 3.5, lte: 3.5 },
    });
    expect(toQdrantCondition({ key: "n", match: 2 ** 60 })).toEqual({
      key: "rp_payload.n",
      range: { gte: 2 ** 60, lte: 2 ** 60 },
    });
  });

  it("keeps nested and array paths, under the payload key", () => {
    expect(toQdrantCondition({ key: "items[].name", match: "y" })).toEqual({
      key: "rp_payload.items[].name",
      match: { value: "y" },
    });
  });
});

describe("toQdrantCondition: any", () => {
  it("sends an all-string or all-integer list as one match.any", () => {
    expect(toQdrantCondition({ key: "city", any: ["London", "Paris", "London"] })).toEqual({
      key: "rp_payload.city",
      match: { any: ["London", "Paris"] },
    });
    expect(toQdrantCondition({ key: "n", any: [1, 2] })).toEqual({
      key: "rp_payload.n",
      match: { any: [1, 2] },
    });
  });

  it("splits a mixed list into a nested should of one condition per kind", () => {
    expect(toQdrantCondition({ key: "v", any: ["4", 4, true, 0.5, "x"] })).toEqual({
      should: [
        { key: "rp_payload.v", match: { any: ["4", "x"] } },
        { key: "rp_payload.v", match: { any: [4] } },
        { key: "rp_payload.v", match: { value: true } },
        { key: "rp_payload.v", range: { gte: 0.5, lte: 0.5 } },
      ],
    });
  });

  it("matches nothing for an empty list", () => {
    expect(toQdrantCondition({ key: "v", any: [] })).toEqual(matchNothing);
    expect(matchNothing).toEqual({ has_id: [] });
  });
});

describe("qdrantRange", () => {
  it("passes finite bounds through", () => {
    expect(qdrantRange({ gt: 1, gte: 2, lt: 9, lte: 8 })).toEqual({ gt: 1, gte: 2, lt: 9, lte: 8 });
    expect(toQdrantCondition({ key: "n", range: { lte: 10 } })).toEqual({
      key: "rp_payload.n",
      range: { lte: 10 },
    });
  });

  it("drops infinite bounds every number meets, keeping a range that holds for all numbers", () => {
    expect(qdrantRange({ gt: Number.NEGATIVE_INFINITY, lt: 5 })).toEqual({ lt: 5 });
    expect(qdrantRange({ lte: Number.POSITIVE_INFINITY })).toEqual({ gte: -Number.MAX_VALUE });
    expect(qdrantRange({})).toEqual({ gte: -Number.MAX_VALUE });
  });

  it("turns infinite bounds no number meets into bounds past the largest double", () => {
    expect(qdrantRange({ gte: Number.POSITIVE_INFINITY })).toEqual({ gt: Number.MAX_VALUE });
    expect(qdrantRange({ lt: Number.NEGATIVE_INFINITY, gt: 0 })).toEqual({
      gt: 0,
      lt: -Number.MAX_VALUE,
    });
    expect(JSON.stringify(qdrantRange({ gte: Number.POSITIVE_INFINITY }))).toBe(
      '{"gt":1.7976931348623157e+308}',
    );
  });
});
