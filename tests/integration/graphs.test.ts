import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { Direction, GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { maxReportedViolations } from "../../interceptors/validation.js";
import { rejection } from "../support/errors.js";
import { startTestServer, type TestServer, transportNames } from "../support/server.js";
import { plain, values } from "../support/values.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe.each(transportNames)("GraphsService over %s", (transportName) => {
  const client = () => createClient(GraphsService, server.transport(transportName));
  const id = (name: string) => `${transportName}:${name}`;

  it("upserts nodes and relationships and reads a node back", async () => {
    const nodes = await client().upsertNodes({
      nodes: [
        { id: id("doc"), labels: ["Document"], properties: values({ title: "Guide", pages: 12 }) },
        { id: id("alice"), labels: ["Person"], properties: values({ name: "Alice" }) },
        { id: id("acme"), labels: ["Org"], properties: values({ tags: ["a", "b"] }) },
      ],
    });
    expect(nodes.upserted).toBe(3);
    const rels = await client().upsertRelationships({
      relationships: [
        { fromId: id("alice"), toId: id("doc"), type: "WROTE", properties: values({ year: 2024 }) },
        { fromId: id("alice"), toId: id("acme"), type: "WORKS_AT" },
      ],
    });
    expect(rels.ids).toHaveLength(2);
    const node = await client().getNode({ id: id("doc") });
    expect(node.node).toMatchObject({ id: id("doc"), labels: ["Document"] });
    expect(plain(node.node?.properties ?? {})).toEqual({ title: "Guide", pages: 12 });
  });

  it("traverses neighbours by direction and type", async () => {
    const out = await client().neighbors({
      nodeId: id("alice"),
      direction: Direction.OUT,
      types: ["WROTE"],
    });
    expect(out.nodes.map((n) => n.id)).toEqual([id("alice"), id("doc")]);
    expect(out.relationships.map((r) => r.type)).toEqual(["WROTE"]);
    const both = await client().neighbors({ nodeId: id("doc"), maxDepth: 2 });
    expect(both.nodes.map((n) => n.id).sort()).toEqual([id("acme"), id("alice"), id("doc")].sort());
  });

  it("finds a shortest path", async () => {
    const path = await client().shortestPath({ fromId: id("doc"), toId: id("acme") });
    expect(path.found).toBe(true);
    expect(path.nodes.map((n) => n.id)).toEqual([id("doc"), id("alice"), id("acme")]);
    expect(path.relationships.map((r) => r.type)).toEqual(["WROTE", "WORKS_AT"]);
  });

  it("fails a batch with an edge to a missing node whole", async () => {
    const error = await rejection(
      client().upsertRelationships({
        relationships: [
          { id: id("r-ok"), fromId: id("doc"), toId: id("acme"), type: "MENTIONS" },
          { id: id("r-bad"), fromId: id("doc"), toId: id("ghost"), type: "MENTIONS" },
        ],
      }),
    );
    expect(error.code).toBe(Code.FailedPrecondition);
    const out = await client().neighbors({ nodeId: id("doc"), direction: Direction.OUT });
    expect(out.relationships).toHaveLength(0);
  });

  it("rejects bad labels and nested property values", async () => {
    const error = await rejection(
      client().upsertNodes({
        nodes: [{ id: id("x"), labels: ["1bad"], properties: values({ nested: { a: 1 } }) }],
      }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
  });

  it("answers a request with thousands of violations, listing the first ones", async () => {
    const labels = Array.from({ length: 5000 }, () => "!");
    const error = await rejection(
      client().neighbors({ nodeId: id("acme"), labels }, { timeoutMs: 5_000 }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toMatch(/\(and 5\d{3} more\)$/);
    const [details] = error.findDetails(BadRequestSchema);
    expect(details?.fieldViolations).toHaveLength(maxReportedViolations);
    expect(await client().getNode({ id: id("acme") })).toBeDefined();
  });

  it("refuses to delete a connected node without detach, then deletes with it", async () => {
    const refused = await rejection(client().deleteNodes({ ids: [id("acme")] }));
    expect(refused.code).toBe(Code.FailedPrecondition);
    const deleted = await client().deleteNodes({ ids: [id("acme")], detach: true });
    expect(deleted).toMatchObject({ deleted: 1, relationshipsDeleted: 1 });
    const missing = await rejection(client().getNode({ id: id("acme") }));
    expect(missing.code).toBe(Code.NotFound);
  });
});
