import { describe, expect, it } from "vitest";
import { PreconditionError } from "../../clients/errors.js";
import { describeRecord } from "../../clients/vectors/qdrant/catalog.js";
import {
  checkPoints,
  maxComponentsPerRequest,
  upsertBatches,
} from "../../clients/vectors/qdrant/input.js";
import { passes } from "../../clients/vectors/qdrant/search.js";

describe("describeRecord", () => {
  it("reads a catalog record's shape and payload indexes", () => {
    expect(
      describeRecord({
        rp_tenant: "acme",
        rp_name: "docs",
        rp_dimension: 3,
        rp_distance: "euclid",
        rp_payload_indexes: [
          { key: "age", type: "integer" },
          { key: "place", type: "geo" },
        ],
        rp_sensitive_fields: ["ssn", 7, "address"],
      }),
    ).toEqual({
      name: "docs",
      dimension: 3,
      distance: "euclid",
      payloadIndexes: [{ key: "age", type: "integer" }],
      index: { m: 16, efConstruct: 128 },
      sensitiveFields: ["ssn", "address"],
    });
  });

  it("reads anything else as no record", () => {
    expect(describeRecord(undefined)).toBeUndefined();
    expect(
      describeRecord({ rp_name: "docs", rp_dimension: 3, rp_distance: "hamming" }),
    ).toBeUndefined();
    expect(describeRecord({ rp_name: "docs", rp_distance: "dot" })).toBeUndefined();
  });
});

describe("checkPoints", () => {
  it("rejects the whole batch at the first wrong dimension, naming the point", () => {
    const batch = [
      { id: "a", vector: [1, 2, 3] },
      { id: "b", vector: [1, 2] },
    ];
    expect(() => checkPoints(batch, 3)).toThrow(PreconditionError);
    expect(() => checkPoints(batch, 3)).toThrow(
      expect.objectContaining({ field: "points[1].vector" }),
    );
  });

  it("rejects components that are not finite 32-bit floats", () => {
    expect(() => checkPoints([{ id: "a", vector: [1, 1e39] }], 2)).toThrow(
      expect.objectContaining({ field: "points[0].vector[1]" }),
    );
  });

  it("keeps the last of duplicate ids, in its place, and copies typed arrays", () => {
    const checked = checkPoints(
      [
        { id: "a", vector: [1, 1], payload: { v: 1 } },
        { id: "b", vector: Float32Array.from([2, 2]) },
        { id: "a", vector: [3, 3], payload: { v: 3 } },
      ],
      2,
    );
    expect(checked).toEqual([
      { id: "b", vector: [2, 2], payload: undefined },
      { id: "a", vector: [3, 3], payload: { v: 3 } },
    ]);
  });
});

describe("upsertBatches", () => {
  it("sends up to 1000 small points in one request", () => {
    const points = Array.from({ length: 1000 }, () => ({ vector: [1, 2, 3] }));
    expect(upsertBatches(points)).toHaveLength(1);
    expect(upsertBatches([...points, { vector: [1] }]).map((b) => b.length)).toEqual([1000, 1]);
  });

  it("splits large vectors so no request exceeds the component budget", () => {
    const dimension = 4096;
    const points = Array.from({ length: 600 }, () => ({ vector: new Array(dimension).fill(0) }));
    const batches = upsertBatches(points);
    expect(batches.flat()).toHaveLength(600);
    for (const batch of batches) {
      expect(batch.length * dimension).toBeLessThanOrEqual(maxComponentsPerRequest);
    }
  });
});

describe("score threshold", () => {
  it("keeps scores at least as good as the threshold, ties included (Qdrant's own is strict)", () => {
    expect(passes("dot", 3, 3)).toBe(true);
    expect(passes("cosine", 0.49, 0.5)).toBe(false);
    expect(passes("euclid", 5, 5)).toBe(true);
    expect(passes("euclid", 5.01, 5)).toBe(false);
    expect(passes("euclid", 100, undefined)).toBe(true);
  });
});
