import { expect, it } from "vitest";
import type { Distance } from "../../clients/vectors/port.js";
import {
  type ContractContext,
  ids,
  point,
  query,
  randomVectors,
  referenceScore,
  referenceTop,
  upsertAll,
} from "./vectors.fixtures.js";

/** Hand-computable fixtures: per distance, points, a query, and the expected ranking. */
const rankings: Record<
  Distance,
  { points: [string, number[]][]; query: number[]; expected: [string, number][] }
> = {
  cosine: {
    points: [
      ["d", [-2, 0]],
      ["a", [3, 0]],
      ["c", [0, 0.5]],
      ["b", [1, 1]],
    ],
    query: [5, 0],
    expected: [
      ["a", 1],
      ["b", Math.SQRT1_2],
      ["c", 0],
      ["d", -1],
    ],
  },
  dot: {
    points: [
      ["a", [1, 0]],
      ["b", [2, 2]],
      ["c", [0, 3]],
      ["d", [-1, 0]],
    ],
    query: [1, 1],
    expected: [
      ["b", 4],
      ["c", 3],
      ["a", 1],
      ["d", -1],
    ],
  },
  euclid: {
    points: [
      ["b", [3, 4]],
      ["d", [6, 8]],
      ["a", [0, 0]],
      ["c", [1, 1]],
    ],
    query: [0, 0],
    expected: [
      ["a", 0],
      ["c", Math.SQRT2],
      ["b", 5],
      ["d", 10],
    ],
  },
};

const thresholds: Record<Distance, { threshold: number; expected: string[] }> = {
  cosine: { threshold: 0.5, expected: ["a", "b"] },
  dot: { threshold: 3, expected: ["b", "c"] },
  euclid: { threshold: 5, expected: ["a", "c", "b"] },
};

async function seed(ctx: ContractContext, distance: Distance): Promise<void> {
  await ctx.store.createCollection(ctx.tenant, { name: distance, dimension: 2, distance });
  await ctx.store.upsert(
    ctx.tenant,
    distance,
    rankings[distance].points.map(([id, vector]) => point(id, vector, { id })),
  );
}

/** Search behaviour: ordering and scores per distance, thresholds, projections, scale. */
export function describeVectorSearch(ctx: ContractContext): void {
  for (const distance of ["cosine", "dot", "euclid"] as const) {
    it(`ranks and scores hits by ${distance}`, async () => {
      await seed(ctx, distance);
      for (const exact of [false, true]) {
        const hits = await ctx.store.search(ctx.tenant, distance, {
          ...query(rankings[distance].query, { exact }),
        });
        expect(ids(hits)).toEqual(rankings[distance].expected.map(([id]) => id));
        hits.forEach((hit, i) => {
          expect(hit.score).toBeCloseTo(rankings[distance].expected[i]?.[1] as number, 5);
        });
      }
    });

    it(`keeps only hits at least as good as score_threshold (${distance})`, async () => {
      await seed(ctx, distance);
      const { threshold, expected } = thresholds[distance];
      const hits = await ctx.store.search(
        ctx.tenant,
        distance,
        query(rankings[distance].query, { scoreThreshold: threshold }),
      );
      expect(ids(hits)).toEqual(expected);
    });
  }

  it("returns at most limit hits", async () => {
    await seed(ctx, "dot");
    const hits = await ctx.store.search(ctx.tenant, "dot", query([1, 1], { limit: 2 }));
    expect(ids(hits)).toEqual(["b", "c"]);
  });

  it("returns payloads and vectors only when asked", async () => {
    await seed(ctx, "dot");
    const bare = await ctx.store.search(ctx.tenant, "dot", query([1, 1], { limit: 1 }));
    expect(bare).toEqual([{ id: "b", score: 4 }]);
    const full = await ctx.store.search(
      ctx.tenant,
      "dot",
      query([1, 1], { limit: 1, withPayload: true, withVector: true }),
    );
    expect(full).toEqual([{ id: "b", score: 4, payload: { id: "b" }, vector: [2, 2] }]);
  });

  it("returns cosine vectors normalised to unit length", async () => {
    await seed(ctx, "cosine");
    const [hit] = await ctx.store.search(
      ctx.tenant,
      "cosine",
      query([1, 0], { limit: 1, withVector: true }),
    );
    expect(hit?.id).toBe("a");
    expect(hit?.vector?.[0]).toBeCloseTo(1, 6);
    expect(hit?.vector?.[1]).toBeCloseTo(0, 6);
  });

  it("returns nothing from an empty collection", async () => {
    await ctx.store.createCollection(ctx.tenant, { name: "empty", dimension: 2, distance: "dot" });
    expect(await ctx.store.search(ctx.tenant, "empty", query([1, 1]))).toEqual([]);
  });

  it("finds the true nearest neighbours in a larger collection, exact and approximate", async () => {
    const dimension = 16;
    const vectors = randomVectors(5000, dimension, 7);
    const points = vectors.map((vector, i) => ({ id: `p${i}`, vector }));
    await ctx.store.createCollection(ctx.tenant, { name: "big", dimension, distance: "cosine" });
    await upsertAll(ctx.store, ctx.tenant, "big", points);
    let found = 0;
    for (const vector of randomVectors(20, dimension, 99)) {
      const expected = referenceTop("cosine", points, vector, 10);
      const exact = await ctx.store.search(ctx.tenant, "big", query(vector, { exact: true }));
      expect(ids(exact)).toEqual(expected);
      exact.forEach((hit) => {
        const stored = points[Number(hit.id.slice(1))]?.vector as number[];
        expect(hit.score).toBeCloseTo(referenceScore("cosine", vector, stored), 4);
      });
      const approximate = await ctx.store.search(ctx.tenant, "big", query(vector));
      expect(approximate).toHaveLength(10);
      found += ids(approximate).filter((id) => expected.includes(id)).length;
    }
    expect(found / 200).toBeGreaterThanOrEqual(0.9);
    const wide = randomVectors(1, dimension, 5)[0] as number[];
    const wider = await ctx.store.search(ctx.tenant, "big", { ...query(wide), hnswEf: 512 });
    expect(wider).toHaveLength(10);
    expect(ids(wider)).toEqual(referenceTop("cosine", points, wide, 10));
  });

  it("reflects deletes and re-upserts in the very next search", async () => {
    const dimension = 8;
    const vectors = randomVectors(3000, dimension, 11);
    await ctx.store.createCollection(ctx.tenant, { name: "big", dimension, distance: "dot" });
    await upsertAll(
      ctx.store,
      ctx.tenant,
      "big",
      vectors.map((vector, i) => point(`p${i}`, vector)),
    );
    const probe = vectors[42] as number[];
    const [top] = await ctx.store.search(ctx.tenant, "big", query(probe, { limit: 1 }));
    expect(top).toBeDefined();
    await ctx.store.delete(ctx.tenant, "big", { ids: [top?.id as string] });
    const afterDelete = await ctx.store.search(ctx.tenant, "big", query(probe, { limit: 50 }));
    expect(ids(afterDelete)).not.toContain(top?.id);
    const strong = probe.map((x) => x * 100);
    await ctx.store.upsert(ctx.tenant, "big", [point("p7", strong)]);
    const [best] = await ctx.store.search(ctx.tenant, "big", query(probe, { limit: 1 }));
    expect(best?.id).toBe("p7");
    expect(best?.score).toBeCloseTo(referenceScore("dot", probe, strong), 2);
    await ctx.store.upsert(ctx.tenant, "big", [
      point(
        top?.id as string,
        probe.map((x) => x * 50),
      ),
    ]);
    const back = await ctx.store.search(ctx.tenant, "big", query(probe, { limit: 2 }));
    expect(ids(back)).toEqual(["p7", top?.id]);
  });
}
