import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { embeddedEngineEnv } from "../../tests/support/engine-env.js";
import { type BenchChild, startChild } from "../children.js";
import type { EngineUrls } from "./options.js";

/** `KAFKA_TOPIC_PREFIX` of the children: the benchmark's topics stay apart from others'. */
export const benchTopicPrefix = "rpbench";

/** Which engines a ragplane child runs on. */
export type ServerKind = "real" | "embedded";

/**
 * Starts `bench/server-process.ts` (ragplane, gRPC on a free loopback port, LOG_LEVEL=warn,
 * embedded engines under `dataDir`) as a child process. A `real` child gets the engine
 * URLs found in the environment; an `embedded` child gets every engine variable emptied,
 * so it runs on embedded engines whatever the environment holds.
 */
export function startRagplane(
  kind: ServerKind,
  engines: EngineUrls,
  dataDir: string,
): Promise<BenchChild> {
  const real =
    kind === "embedded"
      ? {}
      : {
          ...(engines.kafkaBrokers === undefined ? {} : { KAFKA_BROKERS: engines.kafkaBrokers }),
          ...(engines.redisUrl === undefined ? {} : { REDIS_URL: engines.redisUrl }),
          ...(engines.neo4j === undefined
            ? {}
            : {
                NEO4J_URL: engines.neo4j.url,
                NEO4J_USER: engines.neo4j.user,
                NEO4J_PASSWORD: engines.neo4j.password,
              }),
        };
  return startChild(`ragplane-${kind}`, {
    entry: "server-process.ts",
    env: {
      ...embeddedEngineEnv,
      ...real,
      DATA_DIR: dataDir,
      GRPC_PORT: "0",
      HTTP_PORT: "0",
      METRICS_PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      KAFKA_TOPIC_PREFIX: benchTopicPrefix,
      SHUTDOWN_GRACE_MS: "2000",
    },
  });
}

/**
 * Runs `call` until it does not fail with UNAVAILABLE: a ragplane child connects to real
 * engines in the background and answers UNAVAILABLE until it has.
 */
export async function whenAvailable<T>(call: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      const unavailable = error instanceof ConnectError && error.code === Code.Unavailable;
      if (!unavailable || Date.now() >= deadline) throw error;
      await sleep(250);
    }
  }
}

/**
 * Waits until the engine behind `call` answers at all, as {@link whenAvailable} does, a
 * NOT_FOUND counting as an answer: for reads of something absent, to wait for an engine
 * without writing to it.
 */
export async function whenAnswering(call: () => Promise<unknown>): Promise<void> {
  await whenAvailable(() =>
    call().catch((error: unknown) => {
      if (!(error instanceof ConnectError && error.code === Code.NotFound)) throw error;
    }),
  );
}
