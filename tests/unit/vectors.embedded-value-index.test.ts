import { describe, expect, it } from "vitest";
import { indexedMatches, PayloadValueIndex } from "../../clients/vectors/embedded/value-index.js";

const slotsOf = (
  index: PayloadValueIndex,
  condition: Parameters<PayloadValueIndex["wordsFor"]>[0],
  size = 64,
) => [
  ...(indexedMatches(new Map([[condition.key, index]]), { must: [condition] }, size)?.slots ?? []),
];

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
    expect(index.wordsFor({ key: "meta.tags", range: { gte: 0 } })).toBeUndefined();
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
    expect(indexedMatches(indexes, both, 100)).toEqual({
      slots: Int32Array.from([3, 36, 69]),
      exact: true,
    });
    const partly = { ...both, mustNot: [{ key: "n", match: 1 }] };
    expect(indexedMatches(indexes, partly, 100)?.exact).toBe(false);
    expect(
      indexedMatches(indexes, { should: [{ key: "city", match: "Rome" }] }, 100),
    ).toBeUndefined();
    expect(indexedMatches(indexes, { must: [{ key: "n", match: 1 }] }, 100)).toBeUndefined();
  });
});
