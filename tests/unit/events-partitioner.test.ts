import { describe, expect, it } from "vitest";
import { murmur2, partitionForKey } from "../../clients/events/partitioner.js";

const utf8 = new TextEncoder();

describe("murmur2", () => {
  it("matches Kafka's Utils.murmur2 on its own test vectors", () => {
    const cases: [string, number][] = [
      ["21", -973932308],
      ["foobar", -790332482],
      ["a-little-bit-long-string", -985981536],
      ["a-little-bit-longer-string", -1486304829],
      ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
      ["abc", 479470107],
    ];
    for (const [input, hash] of cases) expect(murmur2(utf8.encode(input))).toBe(hash);
  });
});

describe("partitionForKey", () => {
  it("is the positive murmur2 of the UTF-8 key modulo the partition count", () => {
    expect(partitionForKey("foobar", 7)).toBe((-790332482 & 0x7fffffff) % 7);
    expect(partitionForKey("21", 1)).toBe(0);
  });

  it("spreads keys over every partition", () => {
    const used = new Set(Array.from({ length: 200 }, (_, i) => partitionForKey(`key-${i}`, 8)));
    expect(used.size).toBe(8);
  });
});
