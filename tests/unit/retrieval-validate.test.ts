import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { UpsertNodesRequestSchema } from "../../gen/ragplane/v1/graphs_pb.js";
import {
  GetLineageRequestSchema,
  RetrieveRequestSchema,
} from "../../gen/ragplane/v1/retrieval_pb.js";
import { SearchRequestSchema, UpsertRequestSchema } from "../../gen/ragplane/v1/vectors_pb.js";
import { graphsValidators } from "../../server/services/graphs/validate.js";
import { retrievalValidators } from "../../server/services/retrieval/validate.js";
import { vectorsValidators } from "../../server/services/vectors/validate.js";

const fields = (violations: { field: string }[]) => violations.map((v) => v.field);

const retrieve = (json: Record<string, JsonValue>) =>
  retrievalValidators.retrieve(
    fromJson(RetrieveRequestSchema, { collection: "docs", vector: [0.1, 0.2], ...json }),
  );

const getLineage = (json: Record<string, JsonValue>) =>
  retrievalValidators.getLineage(fromJson(GetLineageRequestSchema, json));

describe("retrievalValidators.retrieve", () => {
  it("accepts a full request at every bound", () => {
    expect(
      retrieve({
        limit: 100,
        filter: { must: [{ key: "lang", match: { value: "en" } }] },
        expand: { depth: 3, types: ["KNOWS", "WORKS_AT"], limit: 200, direction: "DIRECTION_OUT" },
        minScore: 0.5,
        withLineage: true,
      }),
    ).toEqual([]);
    expect(retrieve({})).toEqual([]);
    expect(retrieve({ expand: {} })).toEqual([]);
  });

  it("refuses a bad collection, an empty or non-finite vector and a limit over 100", () => {
    expect(fields(retrieve({ collection: "no spaces" }))).toEqual(["collection"]);
    expect(fields(retrieve({ vector: [] }))).toEqual(["vector"]);
    expect(fields(retrieve({ vector: [1, "NaN"] }))).toEqual(["vector[1]"]);
    expect(fields(retrieve({ vector: [1, "-Infinity"] }))).toEqual(["vector[1]"]);
    expect(fields(retrieve({ limit: 101 }))).toEqual(["limit"]);
  });

  it("refuses an expansion deeper than 3, wider than 200, of bad types or direction", () => {
    expect(fields(retrieve({ expand: { depth: 4 } }))).toEqual(["expand.depth"]);
    expect(fields(retrieve({ expand: { limit: 201 } }))).toEqual(["expand.limit"]);
    expect(fields(retrieve({ expand: { types: ["KNOWS", "no-dash", ""] } }))).toEqual([
      "expand.types[1]",
      "expand.types[2]",
    ]);
    const many = Array.from({ length: 65 }, (_, i) => `T${i}`);
    expect(fields(retrieve({ expand: { types: many } }))).toEqual(["expand.types"]);
    expect(fields(retrieve({ expand: { direction: 9 } }))).toEqual(["expand.direction"]);
  });

  it("refuses a non-finite min_score", () => {
    expect(fields(retrieve({ minScore: "NaN" }))).toEqual(["min_score"]);
    expect(fields(retrieve({ minScore: "Infinity" }))).toEqual(["min_score"]);
  });

  it("checks the filter as Search does, refusing reserved keys", () => {
    expect(fields(retrieve({ filter: { must: [{ key: "", match: { value: 1 } }] } }))).toEqual([
      "filter.must[0].key",
    ]);
    const reserved = retrieve({
      filter: { should: [{ key: "_rp_lineage_topic", match: { value: "t" } }] },
    });
    expect(reserved).toEqual([
      { field: "filter.should[0].key", description: expect.stringContaining('"_rp_"') },
    ]);
  });
});

describe("retrievalValidators.getLineage", () => {
  it("accepts each kind of target", () => {
    expect(getLineage({ point: { collection: "docs", id: "p1" } })).toEqual([]);
    expect(getLineage({ nodeId: "n1" })).toEqual([]);
    expect(getLineage({ relationshipId: "r1" })).toEqual([]);
  });

  it("refuses a missing target and empty names", () => {
    expect(fields(getLineage({}))).toEqual(["target"]);
    expect(fields(getLineage({ point: { collection: "", id: "" } }))).toEqual([
      "point.collection",
      "point.id",
    ]);
    expect(fields(getLineage({ nodeId: "" }))).toEqual(["node_id"]);
    expect(fields(getLineage({ relationshipId: "x".repeat(257) }))).toEqual(["relationship_id"]);
  });
});

describe("reserved keys", () => {
  it("refuses top-level payload keys starting with _rp_ on upsert, not nested ones", () => {
    const upsert = (payload: JsonValue) =>
      vectorsValidators.upsert(
        fromJson(UpsertRequestSchema, {
          collection: "docs",
          points: [{ id: "p", vector: [1], payload }],
        }),
      );
    expect(fields(upsert({ _rp_lineage_topic: "t", ok: 1 }))).toEqual([
      'points[0].payload["_rp_lineage_topic"]',
    ]);
    expect(upsert({ meta: { _rp_x: 1 }, rp_: 1, _rpx: 2 })).toEqual([]);
  });

  it("refuses filters on reserved keys, also through a nested path", () => {
    const search = (key: string) =>
      vectorsValidators.search(
        fromJson(SearchRequestSchema, {
          collection: "docs",
          vector: [1],
          filter: { mustNot: [{ key, match: { value: 1 } }] },
        }),
      );
    expect(fields(search("_rp_x.y"))).toEqual(["filter.must_not[0].key"]);
    expect(fields(search('"_rp_x"'))).toEqual(["filter.must_not[0].key"]);
    expect(search("meta._rp_x")).toEqual([]);
  });

  it("refuses node and relationship property keys starting with _rp_", () => {
    const violations = graphsValidators.upsertNodes(
      fromJson(UpsertNodesRequestSchema, {
        nodes: [{ id: "n", properties: { _rp_lineage_offset: "1", name: "x" } }],
      }),
    );
    expect(violations).toEqual([
      {
        field: 'nodes[0].properties["_rp_lineage_offset"]',
        description: expect.stringContaining("reserved"),
      },
    ]);
  });
});
