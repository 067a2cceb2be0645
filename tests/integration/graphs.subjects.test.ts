import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { Direction, GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { rejection } from "../support/errors.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { values } from "../support/values.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** Data subjects of nodes and relationships through a server, over gRPC (@grpc/grpc-js). */
describe("GraphsService subjects over gRPC", () => {
  const client = () => createClient(GraphsService, server.transport("grpc-js"));
  const subject = "person:alice";

  it("writes nodes and relationships with subjects and reads them back with them", async () => {
    await client().upsertNodes({
      nodes: [
        { id: "alice", labels: ["Person"], properties: values({ name: "Alice" }), subject },
        { id: "doc", labels: ["Document"] },
      ],
    });
    const upserted = await client().upsertRelationships({
      relationships: [
        { id: "wrote", fromId: "alice", toId: "doc", type: "WROTE", subject },
        { fromId: "doc", toId: "alice", type: "MENTIONS", subject: "" },
      ],
    });
    expect(upserted.upserted).toBe(2);

    const alice = await client().getNode({ id: "alice" });
    expect(alice.node?.subject).toBe(subject);
    expect((await client().getNode({ id: "doc" })).node?.subject).toBe("");

    const around = await client().neighbors({ nodeId: "alice", direction: Direction.OUT });
    expect(around.nodes.map((n) => [n.id, n.subject])).toEqual([
      ["alice", subject],
      ["doc", ""],
    ]);
    expect(around.relationships.map((r) => [r.id, r.subject])).toEqual([["wrote", subject]]);
    const withLineage = await client().neighbors({ nodeId: "doc", withLineage: true });
    expect(withLineage.nodes.map((n) => n.subject)).toEqual(["", subject]);

    const path = await client().shortestPath({
      fromId: "alice",
      toId: "doc",
      direction: Direction.OUT,
    });
    expect(path.found).toBe(true);
    expect(path.nodes.map((n) => n.subject)).toEqual([subject, ""]);
    expect(path.relationships.map((r) => [r.id, r.subject])).toEqual([["wrote", subject]]);

    // An upsert without a subject clears it.
    await client().upsertNodes({ nodes: [{ id: "alice", labels: ["Person"] }] });
    expect((await client().getNode({ id: "alice" })).node?.subject).toBe("");
  });

  it("refuses an overlong subject with INVALID_ARGUMENT and a field violation, writing nothing", async () => {
    const nodes = await rejection(
      client().upsertNodes({
        nodes: [{ id: "n0", subject }, { id: "n1" }, { id: "n2", subject: "é".repeat(129) }],
      }),
    );
    expect(nodes.code).toBe(Code.InvalidArgument);
    const [details] = nodes.findDetails(BadRequestSchema);
    expect(details?.fieldViolations.map((v) => [v.field, v.description])).toEqual([
      ["nodes[2].subject", "must be at most 256 bytes"],
    ]);
    for (const id of ["n0", "n1", "n2"]) {
      expect((await rejection(client().getNode({ id }))).code).toBe(Code.NotFound);
    }

    await client().upsertNodes({ nodes: [{ id: "m0" }, { id: "m1" }] });
    const relationships = await rejection(
      client().upsertRelationships({
        relationships: [
          { id: "ok", fromId: "m0", toId: "m1", type: "T", subject },
          { id: "long", fromId: "m1", toId: "m0", type: "T", subject: "x".repeat(257) },
        ],
      }),
    );
    expect(relationships.code).toBe(Code.InvalidArgument);
    const [relationshipDetails] = relationships.findDetails(BadRequestSchema);
    expect(relationshipDetails?.fieldViolations.map((v) => v.field)).toEqual([
      "relationships[1].subject",
    ]);
    const around = await client().neighbors({ nodeId: "m0" });
    expect(around.relationships).toEqual([]);
  });
});
