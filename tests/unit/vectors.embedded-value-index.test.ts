import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  indexedMatches,
  listSlots,
  maxRangeValues,
  PayloadValueIndex,
} from "../../clients/vectors/embedded/value-index.js";
import {
  type Condition,
  compileFilter,
  type FilterScalar,
  type PointFilter,
} from "../../clients/vectors/filter.js";

/** The slots of a match, listed. */
function slotArray(matches: ReturnType<typeof indexedMatches>): number[] {
  if (matches === undefined) return [];
  const into = new Int32Array(matches.count);
  return [...into.subarray(0, listSlots(matches, into))];
}

const slotsOf = (
  index: PayloadValueIndex,
  condition: Parameters<PayloadValueIndex["wordsFor"]>[0],
  size = 64,
) => slotArray(indexedMatches(new Map([[condition.key, index]]), { must: [condition] }, size));

describe("payload value index", () => {
  it("finds the slots holding a value, every array element counted, types kept apart", () => {
    const index = new PayloadValueIndex("meta.tags");
    index.add(1, { meta: { tags: ["a", "b"] } });
    index.add(2, { meta: { tags: "a" } });
    index.add(3, { meta: { tags: [1, true] } });
    index.add(4, { other: "a" });
    expect(slotsOf(index, { key: "meta.tags", match: "a" })).toEqual([1, 2]);
    expect(slotsOf(index, { key: "meta.tags", match: 1 })).toEqual([3]);
    expect(slotsOf(index, { key: "meta.tags", match: "1" })).toEqual([]);
    expect(slotsOf(index, { key: "meta.tags", any: ["b", true] })).toEqual([1, 3]);
  });

  it("answers a range from the numbers it holds, and leaves keys of too many numbers to the scan", () => {
    const index = new PayloadValueIndex("n");
    index.add(1, { n: 3 });
    index.add(2, { n: [1, 10] });
    index.add(3, { n: "7" });
    index.add(4, { n: 7.5 });
    expect(slotsOf(index, { key: "n", range: { gte: 5 } })).toEqual([2, 4]);
    expect(slotsOf(index, { key: "n", range: { gt: 3, lt: 10 } })).toEqual([4]);
    const many = new PayloadValueIndex("t");
    for (let slot = 0; slot <= maxRangeValues; slot++) many.add(slot, { t: slot });
    expect(many.wordsFor({ key: "t", range: { gte: 0 } })).toBeUndefined();
    expect(many.wordsFor({ key: "t", match: 3 })).toHaveLength(1);
  });

  it("follows points that leave or move to another slot", () => {
    const index = new PayloadValueIndex("city");
    index.add(1, { city: "Paris" });
    index.add(2, { city: "Paris" });
    index.add(40, { city: "Rome" });
    index.remove(1, { city: "Paris" });
    index.move(40, 1, { city: "Rome" });
    expect(slotsOf(index, { key: "city", match: "Paris" })).toEqual([2]);
    expect(slotsOf(index, { key: "city", match: "Rome" })).toEqual([1]);
    expect(slotsOf(index, { key: "city", match: "Rome" }, 2)).toEqual([1]);
  });

  it("intersects must conditions on indexed keys and says when that is the whole filter", () => {
    const city = new PayloadValueIndex("city");
    const lang = new PayloadValueIndex("lang");
    for (let slot = 0; slot < 100; slot++) {
      city.add(slot, { city: slot < 80 ? "Paris" : "Rome" });
      lang.add(slot, { lang: slot % 33 === 3 ? "fr" : "en" });
    }
    const indexes = new Map([
      ["city", city],
      ["lang", lang],
    ]);
    const both = {
      must: [
        { key: "city", match: "Paris" },
        { key: "lang", match: "fr" },
      ],
    };
    const matches = indexedMatches(indexes, both, 100);
    expect(slotArray(matches)).toEqual([3, 36, 69]);
    expect(matches).toMatchObject({ count: 3, exact: true });
    const partly = { ...both, mustNot: [{ key: "n", match: 1 }] };
    expect(indexedMatches(indexes, partly, 100)?.exact).toBe(false);
    expect(
      indexedMatches(indexes, { should: [{ key: "city", match: "Rome" }] }, 100),
    ).toBeUndefined();
    expect(indexedMatches(indexes, { must: [{ key: "n", match: 1 }] }, 100)).toBeUndefined();
  });
});

describe("payload value index against the filter it narrows", () => {
  it("keeps every match, and exactly the matches when it answers the whole filter", () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
    const scalars = [0, 1, 2, 2.5, -1, "1", "a", "b", true, false];
    const value = (): JsonValue =>
      random() < 0.2 ? [pick(scalars), pick(scalars)] : pick(scalars);
    const payloads: JsonObject[] = Array.from({ length: 300 }, () =>
      random() < 0.1 ? ({} as JsonObject) : ({ k: value(), j: { x: value() } } as JsonObject),
    );
    const keys = ["k", "j.x"];
    const indexes = new Map(keys.map((key) => [key, new PayloadValueIndex(key)]));
    payloads.forEach((payload, slot) => {
      for (const index of indexes.values()) index.add(slot, payload);
    });
    const condition = (): Condition => {
      const key = pick(keys);
      const kind = random();
      if (kind < 0.4) return { key, match: pick(scalars) as FilterScalar };
      if (kind < 0.7) return { key, any: [pick(scalars), pick(scalars)] as FilterScalar[] };
      return { key, range: random() < 0.5 ? { gte: pick([0, 1, 2]) } : { gt: -1, lt: 2.5 } };
    };
    for (let round = 0; round < 500; round++) {
      const filter: PointFilter = {
        must: [condition(), ...(random() < 0.5 ? [condition()] : [])],
        ...(random() < 0.3 ? { mustNot: [condition()] } : {}),
      };
      const predicate = compileFilter(filter);
      const expected = payloads.flatMap((payload, slot) => (predicate(payload) ? [slot] : []));
      const narrowed = indexedMatches(indexes, filter, payloads.length);
      if (narrowed === undefined) throw new Error("indexed keys must narrow the filter");
      const allowed = new Set(slotArray(narrowed));
      expect(allowed.size).toBe(narrowed.count);
      expect(
        expected.every((slot) => allowed.has(slot)),
        JSON.stringify(filter),
      ).toBe(true);
      if (narrowed.exact) expect([...allowed], JSON.stringify(filter)).toEqual(expected);
    }
  });
});
