import { describe, expect, it } from "vitest";
import {
  logicalCollectionName,
  maxQdrantNameLength,
  qdrantCollectionName,
  tenantKey,
  tenantPrefix,
} from "../../clients/vectors/qdrant/naming.js";
import { resolveOptions } from "../../clients/vectors/qdrant/options.js";

describe("Qdrant collection names", () => {
  it("encode the tenant as a fixed 32-hex-digit key of its SHA-256", () => {
    expect(tenantKey("acme")).toBe("822b33ad87c148a0a20a5ba7cd5ebcaa");
    expect(tenantKey("")).toBe("e3b0c44298fc1c149afbf4c8996fb924");
    expect(qdrantCollectionName("rp", "", "docs")).toBe("rp_e3b0c44298fc1c149afbf4c8996fb924_docs");
  });

  it("give two tenants with the same collection name different collections", () => {
    const a = qdrantCollectionName("rp", "tenant-a", "docs");
    const b = qdrantCollectionName("rp", "tenant-b", "docs");
    expect(a).not.toBe(b);
    expect(logicalCollectionName("rp", "tenant-a", b)).toBeUndefined();
    expect(logicalCollectionName("rp", "tenant-b", b)).toBe("docs");
  });

  it("cannot be forged by a tenant or name that contains the separator", () => {
    const tricky = qdrantCollectionName("rp", "a_b", "c");
    expect(tricky).not.toBe(qdrantCollectionName("rp", "a", "b_c"));
    expect(logicalCollectionName("rp", "a", tricky)).toBeUndefined();
    expect(qdrantCollectionName("rp", "t", "x_y")).not.toBe(qdrantCollectionName("rp", "t_x", "y"));
  });

  it("separate deployments by prefix", () => {
    const name = qdrantCollectionName("blue", "t", "docs");
    expect(logicalCollectionName("green", "t", name)).toBeUndefined();
    expect(logicalCollectionName("blue", "t", name)).toBe("docs");
  });

  it("hold arbitrary tenants and the longest names within Qdrant's limit", () => {
    const tenant = 'ünïcødé / \\ : * ? " < > | \u0000 '.repeat(50);
    const name = "n".repeat(200);
    const full = qdrantCollectionName("sixteen-chars-xx", tenant, name);
    expect(full.length).toBeLessThanOrEqual(maxQdrantNameLength);
    expect(full).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(full.startsWith(tenantPrefix("sixteen-chars-xx", tenant))).toBe(true);
  });

  it("skip names of other shapes when listing", () => {
    const start = tenantPrefix("rp", "t");
    expect(logicalCollectionName("rp", "t", `${start}docs`)).toBe("docs");
    expect(logicalCollectionName("rp", "t", start)).toBeUndefined();
    expect(logicalCollectionName("rp", "t", `${start}bad/name`)).toBeUndefined();
    expect(logicalCollectionName("rp", "t", "someone_elses")).toBeUndefined();
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
