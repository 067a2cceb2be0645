import { describe, expect, it } from "vitest";
import {
  catalogCollectionName,
  isSharedCollectionName,
  scopeOf,
  sharedCollectionName,
} from "../../clients/vectors/qdrant/layout.js";
import { resolveOptions } from "../../clients/vectors/qdrant/options.js";

describe("Qdrant layout", () => {
  it("puts every collection of one shape in one shared collection, whatever the tenant", () => {
    expect(sharedCollectionName("rp", { dimension: 384, distance: "cosine" })).toBe(
      "rp_v384_cosine",
    );
    expect(sharedCollectionName("rp", { dimension: 3, distance: "euclid" })).toBe("rp_v3_euclid");
    expect(catalogCollectionName("rp")).toBe("rp_catalog");
  });

  it("gives collections with their own index settings a shared collection of those settings", () => {
    const shape = { dimension: 384, distance: "cosine" as const };
    expect(sharedCollectionName("rp", { ...shape, index: { m: 16, efConstruct: 128 } })).toBe(
      "rp_v384_cosine",
    );
    const tuned = sharedCollectionName("rp", { ...shape, index: { m: 32, efConstruct: 200 } });
    expect(tuned).toBe("rp_v384_cosine_m32_ef200");
    expect(isSharedCollectionName("rp", tuned)).toBe(true);
  });

  it("recognises this prefix's shared collections only", () => {
    expect(isSharedCollectionName("rp", "rp_v384_cosine")).toBe(true);
    expect(isSharedCollectionName("rp", "rp_catalog")).toBe(false);
    expect(isSharedCollectionName("rp", "blue_v384_cosine")).toBe(false);
    expect(isSharedCollectionName("rp", "rp_v384_cosine_x")).toBe(false);
  });

  it("gives each tenant's collection a scope no other tenant or name can forge", () => {
    expect(scopeOf("acme", "docs")).toBe('["acme","docs"]');
    expect(scopeOf("a_b", "c")).not.toBe(scopeOf("a", "b_c"));
    expect(scopeOf('a","b', "c")).not.toBe(scopeOf("a", 'b","c'));
    expect(scopeOf("t", "docs")).not.toBe(scopeOf("u", "docs"));
  });
});

describe("resolveOptions", () => {
  it("applies documented defaults", () => {
    expect(resolveOptions({ url: "http://127.0.0.1:6333/" })).toEqual({
      url: "http://127.0.0.1:6333",
      apiKey: undefined,
      timeoutMs: 10_000,
      collectionPrefix: "rp",
      retries: 2,
      retryDelayMs: 100,
      shapeCacheMs: 10_000,
      maxConnections: 25,
    });
  });

  it("rejects a url without scheme, a prefix with an underscore and bad numbers", () => {
    expect(() => resolveOptions({ url: "127.0.0.1:6333" })).toThrow(/http/);
    expect(() => resolveOptions({ url: "http://q", collectionPrefix: "a_b" })).toThrow(
      /collectionPrefix/,
    );
    expect(() => resolveOptions({ url: "http://q", timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => resolveOptions({ url: "http://q", retries: 1.5 })).toThrow(/retries/);
  });
});
