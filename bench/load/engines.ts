import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { engineVariables } from "../../tests/support/engine-env.js";
import type { Cleanup } from "../cleanup.js";
import type { Env } from "../env.js";
import { pinToCpu } from "../ghz-rounds.js";
import { startPrivateEngine } from "../private-engine.js";

/** The real engines a run uses, and where they came from. */
export interface RealEngines {
  /** `environment`: the variables were set; `started`: this run started its own. */
  readonly source: "environment" | "started";
  /** The engine variables the server gets. */
  readonly env: Readonly<Record<string, string>>;
  /** The engines, by name (`Kafka`, `Neo4j`, `Redis`, `Qdrant`), that are real. */
  readonly real: readonly string[];
  /** The processes of the engines this run started. */
  readonly pids: readonly number[];
}

/** True when any engine variable is set: the run then covers the real engines too. */
export function realEnginesInEnvironment(env: Env): boolean {
  return ["KAFKA_BROKERS", "NEO4J_URL", "REDIS_URL", "QDRANT_URL"].some(
    (name) => (env[name] ?? "") !== "",
  );
}

/**
 * The real engines to run against: those the environment names, or else a Redis, a
 * Kafka, a Neo4j and a Qdrant of `scripts/engines` started for this run alone (temporary
 * run dirs, free loopback ports, never an engine someone else started), pinned to `cpu`
 * and stopped by `cleanup`.
 */
export async function provideRealEngines(
  env: Env,
  cpu: number,
  cleanup: Cleanup,
): Promise<RealEngines> {
  if (realEnginesInEnvironment(env)) {
    const set = Object.fromEntries(
      engineVariables.flatMap((name) => (env[name] ? [[name, env[name]!]] : [])),
    );
    return { source: "environment", env: set, real: realNames(set), pids: [] };
  }
  const started = await Promise.all([
    startPrivateEngine("redis", ["REDIS_PORT"], cleanup),
    startPrivateEngine("kafka", ["KAFKA_PORT", "KAFKA_CONTROLLER_PORT"], cleanup),
    startPrivateEngine("neo4j", ["NEO4J_BOLT_PORT"], cleanup),
    startPrivateEngine("qdrant", ["QDRANT_PORT", "QDRANT_GRPC_PORT"], cleanup),
  ]);
  for (const { pid } of started) await pinToCpu(pid, cpu);
  const set: Record<string, string> = {};
  for (const { variables } of started) {
    const exported = await exportedVariables(variables);
    for (const name of engineVariables) {
      const value = exported[name];
      if (value !== undefined) set[name] = value;
    }
  }
  return {
    source: "started",
    env: set,
    real: realNames(set),
    pids: started.map(({ pid }) => pid),
  };
}

/**
 * Every variable an engine's run dir exports, digits in names included (`NEO4J_URL`),
 * read again from the `env` file of the run dir the engine's variables name.
 */
async function exportedVariables(
  variables: Readonly<Record<string, string>>,
): Promise<Record<string, string>> {
  const runDir = variables.RAGPLANE_ENGINES_DIR;
  if (runDir === undefined) return { ...variables };
  const exported: Record<string, string> = {};
  for (const match of (await readFile(join(runDir, "env"), "utf8")).matchAll(
    /^export ([A-Z0-9_]+)=(\S+)$/gm,
  )) {
    exported[match[1]!] = match[2]!;
  }
  return exported;
}

function realNames(env: Readonly<Record<string, string>>): string[] {
  return [
    ...(env.KAFKA_BROKERS ? ["Kafka"] : []),
    ...(env.NEO4J_URL ? ["Neo4j"] : []),
    ...(env.REDIS_URL ? ["Redis"] : []),
    ...(env.QDRANT_URL ? ["Qdrant"] : []),
  ];
}
