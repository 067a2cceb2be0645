/** The variables that point the server at real engines. */
export const engineVariables = [
  "KAFKA_BROKERS",
  "REDIS_URL",
  "NEO4J_URL",
  "NEO4J_USER",
  "NEO4J_PASSWORD",
  "QDRANT_URL",
  "QDRANT_API_KEY",
];

/** True when Kafka and Neo4j are configured (`scripts/engines/start.sh` sets both). */
export const realEnginesConfigured =
  process.env.KAFKA_BROKERS !== undefined && process.env.NEO4J_URL !== undefined;

/** The real engines' settings from this process's environment, for `startTestServer`. */
export const realEngineEnv: Readonly<Record<string, string>> = Object.fromEntries(
  engineVariables.flatMap((name) =>
    process.env[name] ? [[name, process.env[name] as string]] : [],
  ),
);

/** Every engine variable set empty: a server started with it runs on embedded engines only. */
export const embeddedEngineEnv: Readonly<Record<string, string>> = Object.fromEntries(
  engineVariables.map((name) => [name, ""]),
);

/** The variables that point the server at each real engine. */
const variablesOfEngine = {
  kafka: ["KAFKA_BROKERS"],
  redis: ["REDIS_URL"],
  neo4j: ["NEO4J_URL", "NEO4J_USER", "NEO4J_PASSWORD"],
  qdrant: ["QDRANT_URL", "QDRANT_API_KEY"],
} as const;

/**
 * The environment of a server on some real engines only: the variables of `engines` from
 * this process's environment ("" when unset), every other engine variable empty, so the
 * rest run embedded.
 */
export function engineEnvFor(
  engines: readonly (keyof typeof variablesOfEngine)[],
): Record<string, string> {
  const env: Record<string, string> = { ...embeddedEngineEnv };
  for (const engine of engines) {
    for (const name of variablesOfEngine[engine]) env[name] = process.env[name] ?? "";
  }
  return env;
}
