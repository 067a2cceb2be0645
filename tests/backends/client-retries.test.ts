import { execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRagplaneClients } from "../../client/index.js";
import {
  GetNodeRequestSchema,
  GetNodeResponseSchema,
  GraphsService,
} from "../../gen/ragplane/v1/graphs_pb.js";
import { embeddedEngineEnv } from "../support/engine-env.js";
import { startTestServer, type TestServer, waitUntilReady } from "../support/server.js";
import { TcpRelay } from "../support/tcp-relay.js";

const neo4jUrl = process.env.NEO4J_URL;
const serviceConfigPath = join(import.meta.dirname, "../../gen/service-config.json");
const getNodePath = "/ragplane.v1.GraphsService/GetNode";
/** Longer than the server's own retries of one call (3 attempts, about a second). */
const outageMs = 1_500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function hasGrpcio(): boolean {
  try {
    execFileSync("python3", ["-c", "import grpc"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(neo4jUrl === undefined)(
  "clients ride out an engine outage with the published retry policy (needs NEO4J_URL)",
  () => {
    let relay: TcpRelay;
    let server: TestServer;
    let apiKey: string;

    /** How many GetNode calls the server has answered UNAVAILABLE, over every protocol. */
    async function unavailableAnswers(): Promise<number> {
      const text = await server.metrics.registry.metrics();
      return text
        .split("\n")
        .filter(
          (l) =>
            l.startsWith("ragplane_rpc_server_calls_total{") &&
            l.includes('method="GetNode"') &&
            l.includes('code="UNAVAILABLE"'),
        )
        .reduce((sum, l) => sum + Number(l.split(" ").at(-1)), 0);
    }

    /** Cuts Neo4j off, starts `call`, brings Neo4j back after the outage, and awaits it. */
    async function throughOutage<T>(
      call: () => Promise<T>,
    ): Promise<{ result: T; refused: number }> {
      const before = await unavailableAnswers();
      await relay.cut();
      const pending = call();
      await sleep(outageMs);
      await relay.open();
      const result = await pending;
      return { result, refused: (await unavailableAnswers()) - before };
    }

    beforeAll(async () => {
      relay = TcpRelay.toUrl(neo4jUrl ?? "", 7687);
      await relay.open();
      server = await startTestServer({
        ...embeddedEngineEnv,
        NEO4J_URL: `bolt://127.0.0.1:${relay.port}`,
        NEO4J_USER: process.env.NEO4J_USER ?? "neo4j",
        NEO4J_PASSWORD: process.env.NEO4J_PASSWORD ?? "",
        ENGINE_BREAKER_OPEN_MS: "200",
        READINESS_INTERVAL_MS: "200",
      });
      await waitUntilReady(server);
      apiKey = await server.createKey("retrying", ["graphs:read", "graphs:write"]);
      const { graphs } = createRagplaneClients({
        baseUrl: `http://127.0.0.1:${server.ports.httpPort}`,
        apiKey,
      });
      await graphs.upsertNodes({ nodes: [{ id: "n1", labels: ["Doc"] }] });
    }, 60_000);

    afterAll(async () => {
      await server?.close();
      await relay?.cut();
    });

    it("grpc-js with gen/service-config.json: GetNode succeeds, the client retried", async () => {
      const client = new grpc.Client(
        `127.0.0.1:${server.ports.grpcPort}`,
        grpc.credentials.createInsecure(),
        { "grpc.service_config": readFileSync(serviceConfigPath, "utf8") },
      );
      const metadata = new grpc.Metadata();
      metadata.set("authorization", `Bearer ${apiKey}`);
      const getNode = () =>
        new Promise<string>((resolve, reject) => {
          client.makeUnaryRequest(
            getNodePath,
            (request: Uint8Array) => Buffer.from(request),
            (bytes: Buffer) => fromBinary(GetNodeResponseSchema, bytes).node?.id ?? "",
            toBinary(GetNodeRequestSchema, create(GetNodeRequestSchema, { id: "n1" })),
            metadata,
            (error, id) => (error ? reject(error) : resolve(id ?? "")),
          );
        });
      try {
        const { result, refused } = await throughOutage(getNode);
        expect(result).toBe("n1");
        expect(refused).toBeGreaterThan(0);
      } finally {
        client.close();
      }
    }, 20_000);

    it.skipIf(!hasGrpcio())(
      "Python grpcio with the same file: GetNode succeeds, the client retried",
      async () => {
        const request = Buffer.from(
          toBinary(GetNodeRequestSchema, create(GetNodeRequestSchema, { id: "n1" })),
        ).toString("hex");
        const { result, refused } = await throughOutage(async () => {
          const { stdout } = await promisify(execFile)("python3", [
            join(import.meta.dirname, "../clients/grpcio_call.py"),
            `127.0.0.1:${server.ports.grpcPort}`,
            serviceConfigPath,
            getNodePath.slice(1),
            request,
            apiKey,
          ]);
          return stdout.trim();
        });
        expect(result).toBe("OK");
        expect(refused).toBeGreaterThan(0);
      },
      20_000,
    );

    it("the TypeScript client: GetNode succeeds, the client retried", async () => {
      const { graphs } = createRagplaneClients({
        baseUrl: `http://127.0.0.1:${server.ports.httpPort}`,
        apiKey,
      });
      const { result, refused } = await throughOutage(() => graphs.getNode({ id: "n1" }));
      expect(result.node?.id).toBe("n1");
      expect(refused).toBeGreaterThan(0);
    }, 20_000);

    it("names GraphsService not serving while the breaker is open, and recovers", async () => {
      await relay.cut();
      try {
        const { graphs } = createRagplaneClients({
          baseUrl: `http://127.0.0.1:${server.ports.httpPort}`,
          apiKey,
          retry: false,
        });
        for (let i = 0; i < 3; i++) await graphs.getNode({ id: "n1" }).catch(() => undefined);
        const readiness = await server.server.health.refresh();
        expect(readiness.ready).toBe(false);
        expect(JSON.stringify(readiness)).toContain(GraphsService.typeName);
      } finally {
        await relay.open();
      }
      expect(await waitUntilReady(server, 10_000, 100)).toBe(true);
    }, 20_000);
  },
);
