import { describe, expect, it } from "vitest";
import {
  generateApiKey,
  hashApiKey,
  hashesEqual,
  isApiKeyId,
  parseApiKey,
} from "../../security/api-keys/format.js";

const base62 = /^[0-9A-Za-z]+$/;

describe("generateApiKey", () => {
  it("makes rp_<16 base62>_<32 base62> whose id is the middle part", () => {
    const { id, key } = generateApiKey();
    expect(key).toMatch(/^rp_[0-9A-Za-z]{16}_[0-9A-Za-z]{32}$/);
    expect(key.slice(3, 19)).toBe(id);
    expect(isApiKeyId(id)).toBe(true);
    expect(parseApiKey(key)).toBe(id);
  });

  it("never repeats an id or a key over 10 000 draws", () => {
    const keys = Array.from({ length: 10_000 }, () => generateApiKey());
    expect(new Set(keys.map((k) => k.id)).size).toBe(10_000);
    expect(new Set(keys.map((k) => k.key)).size).toBe(10_000);
  });

  it("draws every base62 character at a roughly even rate", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      for (const c of generateApiKey().key.slice(3).replace("_", "")) {
        counts.set(c, (counts.get(c) ?? 0) + 1);
      }
    }
    expect([...counts.keys()].join("")).toMatch(base62);
    expect(counts.size).toBe(62);
    const expected = (2000 * 48) / 62;
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(expected * 0.8);
      expect(count).toBeLessThan(expected * 1.2);
    }
  });
});

describe("parseApiKey", () => {
  const { id, key } = generateApiKey();
  const secret = key.slice(20);

  it("returns the id of a well-formed key", () => {
    expect(parseApiKey(key)).toBe(id);
  });

  it.each([
    ["empty", ""],
    ["no prefix", `${id}_${secret}`],
    ["another prefix", `rk_${id}_${secret}`],
    ["upper-case prefix", `RP_${id}_${secret}`],
    ["id one short", `rp_${id.slice(1)}_${secret}`],
    ["id one long", `rp_${id}x_${secret}`],
    ["secret one short", `rp_${id}_${secret.slice(1)}`],
    ["secret one long", `rp_${id}_${secret}x`],
    ["non-base62 in the secret", `rp_${id}_${secret.slice(1)}-`],
    ["non-base62 in the id", `rp_${id.slice(1)}+_${secret}`],
    ["missing separator", `rp_${id}${secret}`],
    ["leading space", ` ${key}`],
    ["trailing newline", `${key}\n`],
    ["a JWT", "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln"],
  ])("rejects a near miss: %s", (_, text) => {
    expect(parseApiKey(text)).toBeUndefined();
  });
});

describe("hashApiKey and hashesEqual", () => {
  it("hashes to the hex SHA-256 of the whole key", () => {
    expect(hashApiKey("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    const { key } = generateApiKey();
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    const other = key.endsWith("x") ? "y" : "x";
    expect(hashApiKey(key)).not.toBe(hashApiKey(`${key.slice(0, -1)}${other}`));
  });

  it("compares equal hashes as equal and any difference or length change as not", () => {
    const hash = hashApiKey(generateApiKey().key);
    expect(hashesEqual(hash, `${hash}`)).toBe(true);
    const flipped = `${hash.slice(0, 63)}${hash.endsWith("0") ? "1" : "0"}`;
    expect(hashesEqual(hash, flipped)).toBe(false);
    expect(hashesEqual(hash, hash.slice(0, 62))).toBe(false);
    expect(hashesEqual(hash, "")).toBe(false);
  });
});
