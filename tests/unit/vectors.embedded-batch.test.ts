import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EmbeddedVectorStore } from "../../clients/vectors/embedded/store.js";
import type { PointInput, SearchQuery } from "../../clients/vectors/port.js";

const tenant = "acme";
const collection = "docs";
const dimension = 8;
/** More points than the embedded engine searches exactly, so searches go through HNSW. */
const count = 3000;

function vectorOf(i: number): number[] {
  return Array.from({ length: dimension }, (_, d) => Math.sin(i * (d + 1) * 0.731 + d));
}

function points(n: number): PointInput[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `p${i}`,
    vector: vectorOf(i),
    payload: { i, even: i % 2 === 0 },
  }));
}

function query(i: number, extra: Partial<SearchQuery> = {}): SearchQuery {
  return {
    vector: vectorOf(i * 7 + 0.5),
    limit: 5 + (i % 3) * 5,
    withPayload: true,
    withVector: false,
    exact: false,
    ...extra,
  };
}

let dataDir: string;
let store: EmbeddedVectorStore;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ragplane-batch-"));
  store = await EmbeddedVectorStore.open({ dataDir });
  await store.createCollection(tenant, { name: collection, dimension, distance: "cosine" });
  const all = points(count);
  for (let start = 0; start < all.length; start += 500) {
    await store.upsert(tenant, collection, all.slice(start, start + 500));
  }
});

afterEach(async () => {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("embedded vector store: concurrent searches", () => {
  it("answers searches started together exactly as searches run one at a time", async () => {
    const queries = Array.from({ length: 24 }, (_, i) =>
      i % 5 === 4
        ? query(i, { filter: { must: [{ key: "even", match: true }] } })
        : i % 7 === 6
          ? query(i, { exact: true })
          : i % 4 === 3
            ? query(i, { scoreThreshold: 0.5 })
            : query(i),
    );
    const alone: unknown[] = [];
    for (const q of queries) alone.push(await store.search(tenant, collection, q));
    const together = await Promise.all(queries.map((q) => store.search(tenant, collection, q)));
    expect(together).toEqual(alone);
    expect(together.every((hits) => hits.length > 0)).toBe(true);
  });

  it("lets a search started before a write see the collection as it was", async () => {
    const probe = vectorOf(123_456.5);
    const q: SearchQuery = {
      vector: probe,
      limit: 3,
      withPayload: false,
      withVector: false,
      exact: false,
    };
    const before = store.search(tenant, collection, q);
    const write = store.upsert(tenant, collection, [{ id: "probe", vector: probe }]);
    const after = store.search(tenant, collection, q);
    await write;
    expect((await before).map((hit) => hit.id)).not.toContain("probe");
    expect((await after)[0]?.id).toBe("probe");
  });

  it("rejects only the search whose collection is missing", async () => {
    const results = await Promise.allSettled([
      store.search(tenant, collection, query(1)),
      store.search(tenant, "missing", query(2)),
      store.search(tenant, collection, query(3)),
    ]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  });
});
