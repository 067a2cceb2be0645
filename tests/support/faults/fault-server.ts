import { Distance } from "../../../gen/ragplane/v1/vectors_pb.js";
import { realEngineEnv } from "../engine-env.js";
import { startTestServer, type TestServer, waitUntilReady } from "../server.js";
import { TcpRelay } from "../tcp-relay.js";
import { type LoadClients, loadClients } from "./load.js";

/** The engines a fault server reaches through a relay, by metric label. */
export type RelayedEngine = "redis" | "neo4j" | "qdrant";

/** Each relayed engine: its URL variable and the port its URLs default to. */
const relayedEngines = [
  ["redis", "REDIS_URL", 6379],
  ["neo4j", "NEO4J_URL", 7687],
  ["qdrant", "QDRANT_URL", 6333],
] as const;

/** Rate limits well above what the load asks for: they are counted, never reached. */
const generousRateLimits = {
  RATE_LIMIT_READ_PER_TENANT: "100000",
  RATE_LIMIT_READ_PER_PRINCIPAL: "100000",
  RATE_LIMIT_WRITE_PER_TENANT: "100000",
  RATE_LIMIT_WRITE_PER_PRINCIPAL: "100000",
};

/** The server's deadline for every call of the load, in ms. */
export const callDeadlineMs = 2_000;

/** A test server on the real engines, set up for fault tests, with the load's targets. */
export interface FaultServer {
  readonly server: TestServer;
  /** The data services, as a tenant of this run. */
  readonly clients: LoadClients;
  /** The relay in front of each relayed engine that is configured. */
  readonly relays: ReadonlyMap<RelayedEngine, TcpRelay>;
  /** The topic, collection (dimension 4) and node the load uses; they exist. */
  readonly topic: string;
  readonly collection: string;
  readonly hubNode: string;
  /** Closes the server and the relays. */
  close(): Promise<void>;
}

/**
 * Starts a server on the real engines of this environment, tuned so that faults show
 * fast: breakers open for 1 s, readiness probed every 500 ms, and every call given a
 * {@link callDeadlineMs} deadline by the server; rate limits are out of the way. Redis, Neo4j and Qdrant are reached
 * through relays that a test can blackhole; Kafka directly (its clients dial the brokers
 * the cluster advertises, so a relay would only carry the first connection). Resolves once
 * every service is ready and the tenant `faults-<run>` has its topic, collection and node.
 */
export async function startFaultServer(run: string): Promise<FaultServer> {
  const relays = new Map<RelayedEngine, TcpRelay>();
  const env: Record<string, string> = { ...realEngineEnv };
  for (const [engine, variable, defaultPort] of relayedEngines) {
    const url = realEngineEnv[variable];
    if (!url) continue;
    const relay = TcpRelay.toUrl(url, defaultPort);
    await relay.open();
    relays.set(engine, relay);
    const relayedUrl = new URL(url);
    relayedUrl.host = `127.0.0.1:${relay.port}`;
    env[variable] = relayedUrl.toString();
  }
  const server = await startTestServer({
    ...env,
    KAFKA_TOPIC_PREFIX: `flt${run}`,
    ENGINE_BREAKER_OPEN_MS: "1000",
    READINESS_INTERVAL_MS: "500",
    READ_TIMEOUT_MS: String(callDeadlineMs),
    WRITE_TIMEOUT_MS: String(callDeadlineMs),
    ...generousRateLimits,
  });
  const close = async () => {
    await server.close();
    await Promise.all([...relays.values()].map((relay) => relay.cut()));
  };
  try {
    if (!(await waitUntilReady(server, 60_000))) {
      throw new Error("the fault server did not become ready");
    }
    const apiKey = await server.createKey(`faults-${run}`);
    const clients = loadClients(server.transport("grpc-js", { apiKey }));
    const topic = "load";
    const collection = "load";
    const hubNode = `${run}-hub`;
    await clients.events.createTopic({ name: topic, partitions: 2 });
    await clients.vectors.createCollection({
      name: collection,
      dimension: 4,
      distance: Distance.COSINE,
    });
    await clients.graphs.upsertNodes({ nodes: [{ id: hubNode, labels: ["Fault"] }] });
    return { server, clients, relays, topic, collection, hubNode, close };
  } catch (error) {
    await close();
    throw error;
  }
}
