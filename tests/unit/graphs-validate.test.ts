import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { deriveRelationshipId } from "../../clients/graphs/relationship-id.js";
import {
  DeleteNodesRequestSchema,
  DeleteRelationshipsRequestSchema,
  type Direction,
  GetNodeRequestSchema,
  NeighborsRequestSchema,
  ShortestPathRequestSchema,
  UpsertNodesRequestSchema,
  UpsertRelationshipsRequestSchema,
} from "../../gen/ragplane/v1/graphs_pb.js";
import { graphsValidators } from "../../server/services/graphs/validate.js";

const fields = (violations: { field: string }[]) => violations.map((v) => v.field);

const upsertNodes = (nodes: JsonValue[]) =>
  graphsValidators.upsertNodes(fromJson(UpsertNodesRequestSchema, { nodes }));

const upsertRelationships = (relationships: JsonValue[]) =>
  graphsValidators.upsertRelationships(
    fromJson(UpsertRelationshipsRequestSchema, { relationships }),
  );

const withProperty = (key: string, value: JsonValue) =>
  upsertNodes([{ id: "n", properties: { [key]: value } }]);

describe("graphsValidators.upsertNodes", () => {
  it("accepts scalars, homogeneous lists, empty lists and valid labels", () => {
    const violations = upsertNodes([
      {
        id: "n1",
        labels: ["Person", "a_1", `A${"b".repeat(63)}`],
        properties: { s: "x", n: 1.5, b: true, l: ["a", "b"], nums: [1, 2], empty: [] },
      },
      { id: "日本" },
    ]);
    expect(violations).toEqual([]);
  });

  it("requires 1 to 1000 nodes", () => {
    expect(fields(upsertNodes([]))).toEqual(["nodes"]);
    const many = Array.from({ length: 1001 }, (_, i) => ({ id: `n${i}` }));
    expect(upsertNodes(many)).toEqual([
      { field: "nodes", description: "must hold at most 1000 items" },
    ]);
  });

  it("requires non-empty ids of at most 256 bytes, unique in the batch", () => {
    const violations = upsertNodes([
      { id: "" },
      { id: "é".repeat(129) },
      { id: "a" },
      { id: "a" },
      { id: "x".repeat(256) },
    ]);
    expect(violations).toEqual([
      { field: "nodes[0].id", description: "must not be empty" },
      { field: "nodes[1].id", description: "must be at most 256 bytes" },
      { field: "nodes[3].id", description: "repeats the id of nodes[2]" },
    ]);
  });

  it("refuses NUL in ids, property keys and string values, which Neo4j cannot store", () => {
    expect(
      upsertNodes([
        { id: "a\u0000b" },
        { id: "n", properties: { "k\u0000": 1, s: "x\u0000", l: ["ok", "\u0000"] } },
      ]),
    ).toEqual([
      { field: "nodes[0].id", description: "must not contain NUL (U+0000)" },
      {
        field: 'nodes[1].properties["k\\u0000"]',
        description: "key must not contain NUL (U+0000)",
      },
      { field: 'nodes[1].properties["s"]', description: "must not contain NUL (U+0000)" },
      { field: 'nodes[1].properties["l"][1]', description: "must not contain NUL (U+0000)" },
    ]);
    expect(fields(upsertRelationships([{ fromId: "a\u0000", toId: "b", type: "LINKS" }]))).toEqual([
      "relationships[0].from_id",
    ]);
  });

  it("checks each label against the pattern and at most 16 labels", () => {
    const bad = ["1abc", "", "has-dash", "_x", `A${"b".repeat(64)}`];
    expect(fields(upsertNodes([{ id: "n", labels: ["Ok", ...bad] }]))).toEqual([
      "nodes[0].labels[1]",
      "nodes[0].labels[2]",
      "nodes[0].labels[3]",
      "nodes[0].labels[4]",
      "nodes[0].labels[5]",
    ]);
    const seventeen = Array.from({ length: 17 }, (_, i) => `L${i}`);
    expect(upsertNodes([{ id: "n", labels: seventeen }])).toEqual([
      { field: "nodes[0].labels", description: "must hold at most 16 entries" },
    ]);
  });

  it.each([
    ["null", null, 'nodes[0].properties["k"]', "must not be null"],
    ["an object", { a: 1 }, 'nodes[0].properties["k"]', "not an object"],
    ["a nested list", [[1]], 'nodes[0].properties["k"][0]', "lists do not nest"],
    ["a null in a list", ["a", null], 'nodes[0].properties["k"][1]', "must not be null"],
    ["an object in a list", [{}], 'nodes[0].properties["k"][0]', "not an object"],
    ["a mixed-type list", [1, "2", true], 'nodes[0].properties["k"][1]', "must be a number"],
  ] as const)("refuses %s as a property value", (_, value, field, description) => {
    const violations = withProperty("k", value as JsonValue);
    expect(fields(violations)).toContain(field);
    expect(violations.find((v) => v.field === field)?.description).toContain(description);
  });

  it("reports every element of a mixed-type list that differs from the first", () => {
    expect(fields(withProperty("k", [1, "2", true, 3]))).toEqual([
      'nodes[0].properties["k"][1]',
      'nodes[0].properties["k"][2]',
    ]);
  });

  it("refuses non-finite numbers and unset values that JSON cannot express", () => {
    const request = fromJson(UpsertNodesRequestSchema, { nodes: [{ id: "n" }] });
    const node = request.nodes[0]!;
    node.properties.nan = create(ValueSchema, { kind: { case: "numberValue", value: Number.NaN } });
    node.properties.inf = create(ValueSchema, {
      kind: {
        case: "listValue",
        value: { values: [{ kind: { case: "numberValue", value: Infinity } }] },
      },
    });
    node.properties.unset = create(ValueSchema);
    expect(graphsValidators.upsertNodes(request)).toEqual([
      { field: 'nodes[0].properties["nan"]', description: "must be a finite number" },
      { field: 'nodes[0].properties["inf"][0]', description: "must be a finite number" },
      { field: 'nodes[0].properties["unset"]', description: "must be set" },
    ]);
  });

  it("requires non-empty property keys of at most 256 bytes and at most 256 properties", () => {
    expect(withProperty("", 1)).toEqual([
      { field: 'nodes[0].properties[""]', description: "key must not be empty" },
    ]);
    expect(fields(withProperty("k".repeat(257), 1))).toEqual([
      `nodes[0].properties[${JSON.stringify(`${"k".repeat(64)}…`)}]`,
    ]);
    const properties = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`p${i}`, i]));
    expect(upsertNodes([{ id: "n", properties }])).toEqual([
      { field: "nodes[0].properties", description: "must hold at most 256 entries" },
    ]);
  });
});

describe("graphsValidators.upsertRelationships", () => {
  it("accepts relationships with and without ids", () => {
    const violations = upsertRelationships([
      { fromId: "a", toId: "b", type: "KNOWS", properties: { since: 2020 } },
      { id: "r1", fromId: "a", toId: "b", type: "KNOWS" },
    ]);
    expect(violations).toEqual([]);
  });

  it("checks endpoints, type, id length and properties with snake_case paths", () => {
    const violations = upsertRelationships([
      { id: "x".repeat(257), fromId: "", toId: "", type: "", properties: { k: null } },
      { fromId: "a", toId: "b", type: "BAD-TYPE" },
    ]);
    expect(fields(violations)).toEqual([
      "relationships[0].id",
      "relationships[0].from_id",
      "relationships[0].to_id",
      "relationships[0].type",
      'relationships[0].properties["k"]',
      "relationships[1].type",
    ]);
  });

  it("refuses two relationships with the same given or derived id", () => {
    const derived = deriveRelationshipId("a", "KNOWS", "b");
    const violations = upsertRelationships([
      { fromId: "a", toId: "b", type: "KNOWS" },
      { id: "r", fromId: "a", toId: "b", type: "LIKES" },
      { fromId: "a", toId: "b", type: "KNOWS" },
      { id: "r", fromId: "b", toId: "a", type: "LIKES" },
      { id: derived, fromId: "c", toId: "d", type: "X" },
    ]);
    expect(violations).toEqual([
      {
        field: "relationships[2]",
        description: "has the same (from_id, type, to_id), hence id, as relationships[0]",
      },
      { field: "relationships[3].id", description: "repeats the id of relationships[1]" },
      { field: "relationships[4].id", description: "repeats the id of relationships[0]" },
    ]);
  });

  it("requires 1 to 1000 relationships", () => {
    expect(fields(upsertRelationships([]))).toEqual(["relationships"]);
  });
});

describe("graphsValidators subjects", () => {
  it("accepts an empty subject and one of 256 bytes, and refuses longer ones and NUL, on nodes and relationships", () => {
    expect(
      upsertNodes([
        { id: "a", subject: "" },
        { id: "b", subject: "x".repeat(256) },
        { id: "c", subject: "é".repeat(128) },
        { id: "d", subject: "x".repeat(257) },
        { id: "e", subject: "é".repeat(129) },
        { id: "f", subject: "a\u0000" },
      ]),
    ).toEqual([
      { field: "nodes[3].subject", description: "must be at most 256 bytes" },
      { field: "nodes[4].subject", description: "must be at most 256 bytes" },
      { field: "nodes[5].subject", description: "must not contain NUL (U+0000)" },
    ]);
    expect(
      upsertRelationships([
        { fromId: "a", toId: "b", type: "T", subject: "🙂".repeat(64) },
        { fromId: "a", toId: "c", type: "T", subject: "🙂".repeat(65) },
      ]),
    ).toEqual([{ field: "relationships[1].subject", description: "must be at most 256 bytes" }]);
  });
});

describe("graphsValidators reads and deletes", () => {
  it("checks GetNode's id", () => {
    expect(graphsValidators.getNode(fromJson(GetNodeRequestSchema, { id: "n" }))).toEqual([]);
    expect(fields(graphsValidators.getNode(fromJson(GetNodeRequestSchema, {})))).toEqual(["id"]);
  });

  it("checks delete batches and each id", () => {
    const nodes = fromJson(DeleteNodesRequestSchema, { ids: ["a", "", "b"], detach: true });
    expect(fields(graphsValidators.deleteNodes(nodes))).toEqual(["ids[1]"]);
    const none = fromJson(DeleteRelationshipsRequestSchema, { ids: [] });
    expect(fields(graphsValidators.deleteRelationships(none))).toEqual(["ids"]);
  });

  it("accepts a Neighbors request with defaults and bounds", () => {
    const ok = fromJson(NeighborsRequestSchema, {
      nodeId: "a",
      direction: "DIRECTION_IN",
      types: ["KNOWS"],
      labels: ["Person"],
      maxDepth: 5,
      limit: 1000,
    });
    expect(graphsValidators.neighbors(ok)).toEqual([]);
    expect(graphsValidators.neighbors(fromJson(NeighborsRequestSchema, { nodeId: "a" }))).toEqual(
      [],
    );
  });

  it("refuses Neighbors requests out of range", () => {
    const request = create(NeighborsRequestSchema, {
      nodeId: "",
      direction: 7 as Direction,
      types: ["no-dash"],
      labels: ["9"],
      maxDepth: 6,
      limit: 1001,
    });
    expect(fields(graphsValidators.neighbors(request))).toEqual([
      "node_id",
      "direction",
      "types[0]",
      "labels[0]",
      "max_depth",
      "limit",
    ]);
  });

  it("bounds ShortestPath's max_depth at 10 and checks both endpoints", () => {
    const ok = create(ShortestPathRequestSchema, { fromId: "a", toId: "b", maxDepth: 10 });
    expect(graphsValidators.shortestPath(ok)).toEqual([]);
    const bad = create(ShortestPathRequestSchema, {
      fromId: "",
      toId: "",
      maxDepth: 11,
      direction: 4 as Direction,
    });
    expect(fields(graphsValidators.shortestPath(bad))).toEqual([
      "from_id",
      "to_id",
      "max_depth",
      "direction",
    ]);
  });
});
