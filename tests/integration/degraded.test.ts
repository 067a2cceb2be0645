import { createServer, type Server } from "node:net";
import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { rejection } from "../support/errors.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let blackhole: Server;

beforeAll(async () => {
  blackhole = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => blackhole.listen(0, "127.0.0.1", resolve));
  const address = blackhole.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  server = await startTestServer({
    NEO4J_URL: `bolt://127.0.0.1:${port}`,
    NEO4J_PASSWORD: "not-used-here",
  });
});
afterAll(async () => {
  await server.close();
  blackhole.close();
});

describe("a service whose engine is down", () => {
  it("is reported not ready, by name, while the others stay ready", async () => {
    const response = await fetch(`http://127.0.0.1:${server.ports.httpPort}/readyz`);
    const body = (await response.json()) as { services: Record<string, { ready: boolean }> };
    expect(response.status).toBe(503);
    expect(body.services["ragplane.v1.GraphsService"]?.ready).toBe(false);
    expect(body.services["ragplane.v1.VectorsService"]?.ready).toBe(true);
    expect(body.services["ragplane.v1.EventsService"]?.ready).toBe(true);
  });

  it("is reported down, by engine, in the metrics the EngineDown alert reads", async () => {
    const metrics = await (
      await fetch(`http://127.0.0.1:${server.ports.metricsPort}/metrics`)
    ).text();
    expect(metrics).toContain('ragplane_engine_up{engine="neo4j"} 0');
    expect(metrics).toContain('ragplane_engine_up{engine="embedded-vectors"} 1');
    expect(metrics).toContain('ragplane_engine_up{engine="embedded-events"} 1');
  });

  it("answers UNAVAILABLE, and the other services keep working", async () => {
    const graphs = createClient(GraphsService, server.transport("grpc-js"));
    const error = await rejection(graphs.getNode({ id: "a" }));
    expect(error.code).toBe(Code.Unavailable);
    const metrics = await (
      await fetch(`http://127.0.0.1:${server.ports.metricsPort}/metrics`)
    ).text();
    expect(metrics).toContain(
      'ragplane_engine_calls_total{engine="neo4j",operation="getNode",outcome="error"} 1',
    );
    const vectors = createClient(VectorsService, server.transport("grpc-js"));
    const listed = await vectors.listCollections({});
    expect(listed.collections).toEqual([]);
  });
});
