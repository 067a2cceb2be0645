import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import type { Tracer } from "@opentelemetry/api";
import { type DestinationStream, pino } from "pino";
import { issueApiKey } from "../../security/api-keys/issue.js";
import { type Scope, scopes } from "../../security/scopes.js";
import { build, type ListeningPorts, type RagplaneServer } from "../../server/build.js";
import { type Config, loadConfig } from "../../server/config.js";
import { type OpenEngines, openEngines } from "../../server/engines.js";
import { createLogger } from "../../server/logger.js";
import { type OpenSecurity, openSecurity } from "../../server/security.js";
import { ServerMetrics } from "../../server/telemetry/metrics.js";
import { credentialHeaders, type TestCredentials, withHeaders } from "./credentials.js";
import { createGrpcJsTransport } from "./grpc-js-transport.js";
import { sharedKeyFile } from "./key-file.js";
import {
  createTlsHttpTransport,
  grpcJsTlsCredentials,
  type TlsClientOptions,
} from "./tls-clients.js";

/** The client flavours every integration test runs through. */
export type TransportName = "grpc-js" | "connect" | "grpc-web" | "grpc-h2c";

/** A running server on ephemeral loopback ports with embedded engines in a temp dir. */
export interface TestServer {
  readonly ports: ListeningPorts;
  readonly config: Config;
  readonly server: RagplaneServer;
  readonly engines: OpenEngines;
  readonly security: OpenSecurity;
  /** The admin key created on first start (tenant `default`, every scope). */
  readonly adminKey: string;
  /** The server's Prometheus metrics. */
  readonly metrics: ServerMetrics;
  /**
   * A transport of the given flavour, connected to this server, presenting
   * `credentials` on every call (default: the admin key).
   */
  transport(name: TransportName, credentials?: TestCredentials): Transport;
  /** Creates an API key for a tenant with the given scopes (default: every scope). */
  createKey(tenant: string, keyScopes?: readonly Scope[]): Promise<string>;
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

/** What a test may add to its server beyond the environment. */
export interface TestServerExtras {
  /** Traces calls with this tracer (tracing is off without one). */
  readonly tracer?: Tracer;
  /** Where the server's log lines go, through the production logger (none without one). */
  readonly logDestination?: DestinationStream;
  /**
   * The admin key, for a server started on engines another test server already
   * bootstrapped (a second replica): it then finds the key store filled and makes none.
   */
  readonly adminKey?: string;
}

/** Starts a ragplane server for a test, with optional environment overrides. */
export async function startTestServer(
  env: Record<string, string> = {},
  tlsClient?: TlsClientOptions,
  extras: TestServerExtras = {},
): Promise<TestServer> {
  const { tracer } = extras;
  const dataDir = await mkdtemp(join(tmpdir(), "ragplane-test-"));
  const sharedKeys =
    env.REDIS_URL && env.ENCRYPTION_KEY_FILE === undefined
      ? { ENCRYPTION_KEY_FILE: await sharedKeyFile() }
      : {};
  const config = loadConfig({
    GRPC_PORT: "0",
    HTTP_PORT: "0",
    METRICS_PORT: "0",
    RATE_LIMIT_REFUSED_PER_CALLER: "0",
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    ...sharedKeys,
    ...env,
  });
  const logger =
    extras.logDestination === undefined
      ? pino({ level: config.logLevel })
      : createLogger(config.logLevel, extras.logDestination);
  const metrics = new ServerMetrics({ processMetrics: false });
  const telemetry = { metrics, ...(tracer === undefined ? {} : { tracer }) };
  const engines = await openEngines(config, undefined, telemetry);
  const security = await openSecurity(config, engines, logger);
  const server = build({ config, logger, engines, security, telemetry });
  const ports = await server.listen();
  const bootstrap =
    (await security.bootstrap()) ??
    (extras.adminKey === undefined ? undefined : { key: extras.adminKey });
  if (bootstrap === undefined) throw new Error("the test server made no admin key");
  const transports = clientTransports(config, ports, tlsClient);

  return {
    ports,
    config,
    server,
    engines,
    security,
    adminKey: bootstrap.key,
    metrics,
    transport: (name, credentials = { apiKey: bootstrap.key }) =>
      withHeaders(transports.byName[name], credentialHeaders(credentials)),
    async createKey(tenant, keyScopes = scopes) {
      const { key, record } = issueApiKey({
        tenant,
        name: "test",
        scopes: [...keyScopes],
        createdAt: Date.now(),
        createdBy: "test",
      });
      await security.keys.create(record);
      return key;
    },
    async close() {
      transports.close();
      await server.close();
      await security.close();
      await engines.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The four client flavours, over TLS (with `tlsClient`'s CA and identity) when the server has it. */
function clientTransports(
  config: Config,
  ports: ListeningPorts,
  tlsClient: TlsClientOptions | undefined,
): { readonly byName: Record<TransportName, Transport>; close(): void } {
  const grpcAddress = `127.0.0.1:${ports.grpcPort}`;
  if (config.security.tls === undefined) {
    const grpcJs = createGrpcJsTransport(grpcAddress);
    const baseUrl = `http://127.0.0.1:${ports.httpPort}`;
    return {
      byName: {
        "grpc-js": grpcJs,
        connect: createConnectTransport({ baseUrl, httpVersion: "1.1" }),
        "grpc-web": createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }),
        "grpc-h2c": createGrpcTransport({ baseUrl }),
      },
      close: () => grpcJs.close(),
    };
  }
  if (tlsClient === undefined) throw new Error("a TLS server needs the client's TLS options");
  const grpcJs = createGrpcJsTransport(grpcAddress, grpcJsTlsCredentials(tlsClient), {
    "grpc.ssl_target_name_override": "localhost",
  });
  const baseUrl = `https://127.0.0.1:${ports.httpPort}`;
  return {
    byName: {
      "grpc-js": grpcJs,
      connect: createTlsHttpTransport("connect", baseUrl, tlsClient),
      "grpc-web": createTlsHttpTransport("grpc-web", baseUrl, tlsClient),
      "grpc-h2c": createTlsHttpTransport("grpc-h2", baseUrl, tlsClient),
    },
    close: () => grpcJs.close(),
  };
}

/**
 * Polls the server's readiness (its engines connect in the background) every `pollMs`
 * until it is ready or `timeoutMs` has passed; resolves with whether it became ready.
 */
export async function waitUntilReady(
  server: TestServer,
  timeoutMs = 30_000,
  pollMs = 250,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await server.server.health.refresh()).ready) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
