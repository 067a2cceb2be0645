import { describe, expect, it } from "vitest";
import { MemoryIdempotencyIndex } from "../../clients/events/idempotency/memory.js";
import { describeIdempotencyIndexContract } from "../contract/idempotency.contract.js";

describeIdempotencyIndexContract("memory", async () => ({
  index: new MemoryIdempotencyIndex(),
  cleanup: async () => {},
}));

describe("MemoryIdempotencyIndex", () => {
  it("prunes expired entries as time passes, so memory follows the window", async () => {
    let now = 0;
    const index = new MemoryIdempotencyIndex({ now: () => now });
    await index.claim("s", ["a", "b"], "one", 1000);
    await index.record(
      "s",
      [
        { id: "a", position: { partition: 0, offset: 0n } },
        { id: "b", position: { partition: 0, offset: 1n } },
      ],
      "one",
      100,
    );
    expect(index.size).toBe(2);
    now = 150;
    expect(await index.claim("s", ["c"], "two", 1000)).toEqual([{ kind: "claimed" }]);
    expect(index.size).toBe(1);
  });

  it("forgets the least recently written ids beyond maxEntries", async () => {
    const index = new MemoryIdempotencyIndex({ maxEntries: 2 });
    await index.claim("s", ["a", "b", "c"], "one", 60_000);
    expect(index.size).toBe(2);
    expect(await index.claim("s", ["b", "c"], "two", 60_000)).toEqual([
      { kind: "pending" },
      { kind: "pending" },
    ]);
    expect(await index.claim("s", ["a"], "two", 60_000)).toEqual([{ kind: "claimed" }]);
  });

  it("refuses a maxEntries that cannot hold an id", () => {
    expect(() => new MemoryIdempotencyIndex({ maxEntries: 0 })).toThrow(RangeError);
  });
});
