import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErasureState } from "../../gen/ragplane/v1/compliance_pb.js";
import { IngestionService } from "../../gen/ragplane/v1/ingestion_pb.js";
import { Distance } from "../../gen/ragplane/v1/vectors_pb.js";
import { chunkEvent, sampleChunk } from "../support/chunks.js";
import {
  type ComplianceClients,
  complianceClients,
  erase,
  exportOf,
} from "../support/compliance.js";
import { rejection } from "../support/errors.js";
import { eventually } from "../support/retention.js";
import { startTestServer, type TestServer } from "../support/server.js";

const subject = "person-dana@example.org";

let server: TestServer;
let clients: ComplianceClients;
beforeAll(async () => {
  server = await startTestServer({ ENCRYPTION_KEY_CACHE_MS: "100" });
  clients = complianceClients(server.transport("connect"));
});
afterAll(() => server.close());

describe("erasure of what ingestion projected", () => {
  it("erases the points, nodes and relationships projected from a subject's events, and keeps what a later event of nobody rewrote", async () => {
    const ingestion = createClient(IngestionService, server.transport("connect"));
    await clients.events.createTopic({ name: "docs", partitions: 1 });
    await clients.vectors.createCollection({
      name: "kb",
      dimension: 3,
      distance: Distance.COSINE,
    });
    await ingestion.putIngestion({ topic: "docs", collection: "kb", graph: true });
    await clients.events.publish({
      topic: "docs",
      events: [
        {
          ...chunkEvent("c1", sampleChunk("dana-notes", "1", [1, 0, 0], ["dana", "acme"])),
          subject,
        },
        chunkEvent("c2", sampleChunk("public", "1", [0, 1, 0], ["acme"])),
      ],
    });
    const projected = await eventually(
      () => clients.vectors.get({ collection: "kb", ids: ["dana-notes/1", "public/1"] }),
      (response) => response.points.length === 2,
    );
    expect(projected.points.map((point) => [point.id, point.subject])).toEqual([
      ["dana-notes/1", subject],
      ["public/1", ""],
    ]);
    expect((await clients.graphs.getNode({ id: "dana" })).node?.subject).toBe(subject);
    const shared = await clients.graphs.getNode({ id: "acme" });
    expect(shared.node?.subject).toBe("");

    const before = await exportOf(clients, subject);
    expect(before.summary).toMatchObject({ events: 1n, points: 1n, nodes: 1n, relationships: 1n });

    const done = (await erase(clients, subject)).at(-1)?.erasure;
    expect(done?.state).toBe(ErasureState.DONE);
    expect(done?.removed.map((line) => [line.store, line.target, line.count])).toEqual([
      ["vectors", "kb", 1n],
      ["graphs", "nodes", 1n],
      ["graphs", "relationships", 1n],
      ["events", "subject data key", 1n],
      ["caches", "data key cache", 1n],
    ]);
    const left = await clients.vectors.get({ collection: "kb", ids: ["dana-notes/1", "public/1"] });
    expect(left.points.map((point) => point.id)).toEqual(["public/1"]);
    expect((await rejection(clients.graphs.getNode({ id: "dana" }))).code).toBe(Code.NotFound);
    expect((await clients.graphs.getNode({ id: "acme" })).node?.id).toBe("acme");
    const after = await exportOf(clients, subject);
    expect(after.summary).toMatchObject({ events: 0n, points: 0n, nodes: 0n, relationships: 0n });
  });
});
