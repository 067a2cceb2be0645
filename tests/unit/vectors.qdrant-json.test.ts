import { describe, expect, it } from "vitest";
import { PreconditionError } from "../../clients/errors.js";
import { jsonWithVector } from "../../clients/vectors/qdrant/http.js";

describe("search JSON with the vector written as float32", () => {
  it("reads back every float32 exactly, with the other fields after the vector", () => {
    const vector = Float32Array.from(
      { length: 1000 },
      (_, i) => Math.sin(i * 7.3) * 10 ** ((i % 40) - 20),
    );
    vector[0] = -0;
    vector[1] = 3.4028234663852886e38;
    vector[2] = 1.401298464324817e-45;
    const body = JSON.parse(jsonWithVector(vector, { limit: 10, filter: { must: [] } }).text);
    expect(body.limit).toBe(10);
    expect(body.filter).toEqual({ must: [] });
    expect(Float32Array.from(body.vector)).toEqual(vector);
    expect(JSON.parse(jsonWithVector([1.5], {}).text)).toEqual({ vector: [1.5] });
  });

  it("names the first component that is not a finite float32", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1e39]) {
      expect(() => jsonWithVector([0, bad], {})).toThrow(
        expect.objectContaining({ name: "PreconditionError", field: "vector[1]" }),
      );
    }
    expect(() => jsonWithVector([Number.NaN], {})).toThrow(PreconditionError);
  });
});
