import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { pino } from "pino";
import { build, type ListeningPorts, type RagplaneServer } from "../../server/build.js";
import { type Config, loadConfig } from "../../server/config.js";
import { type OpenEngines, openEngines } from "../../server/engines.js";
import { createGrpcJsTransport } from "./grpc-js-transport.js";

/** The client flavours every integration test runs through. */
export type TransportName = "grpc-js" | "connect" | "grpc-web" | "grpc-h2c";

/** A running server on ephemeral loopback ports with embedded engines in a temp dir. */
export interface TestServer {
  readonly ports: ListeningPorts;
  readonly config: Config;
  readonly server: RagplaneServer;
  readonly engines: OpenEngines;
  /** A transport of the given flavour, connected to this server. */
  transport(name: TransportName): Transport;
  /** Stops the server, closes the engines and removes the data directory. */
  close(): Promise<void>;
}

/** Every transport flavour, for `describe.each`. */
export const transportNames: readonly TransportName[] = [
  "grpc-js",
  "connect",
  "grpc-web",
  "grpc-h2c",
];

/** Starts a ragplane server for a test, with optional environment overrides. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "ragplane-test-"));
  const config = loadConfig({
    GRPC_PORT: "0",
    HTTP_PORT: "0",
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    ...env,
  });
  const engines = await openEngines(config);
  const server = build({ config, logger: pino({ level: config.logLevel }), engines });
  const ports = await server.listen();
  const grpcJs = createGrpcJsTransport(`127.0.0.1:${ports.grpcPort}`);
  const baseUrl = `http://127.0.0.1:${ports.httpPort}`;
  const transports: Record<TransportName, Transport> = {
    "grpc-js": grpcJs,
    connect: createConnectTransport({ baseUrl, httpVersion: "1.1" }),
    "grpc-web": createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }),
    "grpc-h2c": createGrpcTransport({ baseUrl }),
  };
  return {
    ports,
    config,
    server,
    engines,
    transport: (name) => transports[name],
    async close() {
      grpcJs.close();
      await server.close();
      await engines.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
