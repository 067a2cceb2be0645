import type { Env } from "../env.js";
import type { DataSpec } from "./data.js";
import { realEnginesInEnvironment } from "./engines.js";

/** The closed-loop load of one run. */
export interface LoadShape {
  /** `--seconds`: the measured load. Default 60 (15 with `--quick`). */
  readonly durationMs: number;
  /** An un-measured load of the same shape first. Default 10 s (3 s with `--quick`). */
  readonly warmupMs: number;
  /** `--grpc-concurrency`: gRPC calls in flight, over every ghz process. Default 500. */
  readonly grpcConcurrency: number;
  /** `--connections`: HTTP/2 connections of the ghz processes together. Default 50. */
  readonly grpcConnections: number;
  /** `--connect-concurrency`: Connect JSON calls in flight. Default 100. */
  readonly connectConcurrency: number;
  /**
   * `--real-scale`: the share of both concurrencies used on real engines, whose Kafka and
   * Neo4j share the machine's cores. Default 1.
   */
  readonly realScale: number;
}

/** The soak of one run. */
export interface SoakShape {
  /** `--soak-minutes`. Default 10. */
  readonly minutes: number;
  /** `--soak-rate`: calls per second, mixed, on a fixed schedule. Default 200. */
  readonly rate: number;
  /** How often the server's memory and handles are sampled, in ms. */
  readonly sampleMs: number;
}

/** What one run of the load benchmark does. */
export interface LoadBenchOptions {
  /** `--soak` (or `--soak-minutes`): the soak instead of the load. */
  readonly mode: "load" | "soak";
  /** `--quick`: less data and a 15 s load; results go to `load-quick.*`. */
  readonly quick: boolean;
  /**
   * `--engines real`, or any of KAFKA_BROKERS, NEO4J_URL, REDIS_URL, QDRANT_URL set: the
   * embedded engines, then the real ones. Default: the embedded engines only.
   */
  readonly engines: readonly ("embedded" | "real")[];
  readonly load: LoadShape;
  readonly soak: SoakShape;
  /** Each tenant's data and the shape of its calls. */
  readonly data: DataSpec;
}

const seed = 20_251_205;
const usage =
  "usage: npm run bench:load -- [--quick] [--seconds N] [--engines embedded|real] " +
  "[--grpc-concurrency N] [--connections N] [--connect-concurrency N] [--real-scale F] " +
  "[--soak] [--soak-minutes N] [--soak-rate N]";

/** Reads the options from the command line; the only place this benchmark reads it. */
export function loadBenchOptions(
  args: readonly string[] = process.argv.slice(2),
  env: Env = process.env,
): LoadBenchOptions {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [name, inline] = arg.split("=", 2) as [string, string | undefined];
    if (name === "--quick" || name === "--soak") flags.add(name);
    else if (valueOptions.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new Error(`${name} needs a value\n${usage}`);
      values.set(name, value);
    } else throw new Error(`unknown argument ${arg}\n${usage}`);
  }
  const quick = flags.has("--quick");
  const engines = values.get("--engines") ?? "embedded";
  if (engines !== "embedded" && engines !== "real") {
    throw new Error(`--engines ${engines}: expected embedded or real\n${usage}`);
  }
  const number = (name: string, fallback: number, max: number): number => {
    const raw = values.get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0 || value > max) {
      throw new Error(`${name} ${raw}: expected a number above 0 and at most ${max}`);
    }
    return value;
  };
  const durationMs = 1000 * number("--seconds", quick ? 15 : 60, 3600);
  const grpcConcurrency = Math.round(number("--grpc-concurrency", 500, 10_000));
  return {
    mode: flags.has("--soak") || values.has("--soak-minutes") ? "soak" : "load",
    quick,
    engines:
      engines === "real" || realEnginesInEnvironment(env) ? ["embedded", "real"] : ["embedded"],
    load: {
      durationMs,
      warmupMs: quick ? 3_000 : 10_000,
      grpcConcurrency,
      grpcConnections: Math.round(number("--connections", 50, grpcConcurrency)),
      connectConcurrency: Math.round(number("--connect-concurrency", 100, 1_000)),
      realScale: number("--real-scale", 1, 1),
    },
    soak: {
      minutes: number("--soak-minutes", 10, 24 * 60),
      rate: number("--soak-rate", 200, 5_000),
      sampleMs: 10_000,
    },
    data: {
      points: quick ? 2_000 : 10_000,
      dimension: 384,
      queries: 200,
      searchLimit: 10,
      graphNodes: quick ? 2_000 : 10_000,
      graphRelationships: quick ? 8_000 : 40_000,
      starts: 200,
      neighborsDepth: 2,
      neighborsLimit: 100,
      topicPartitions: 4,
      pointsPerUpsert: 10,
      eventsPerPublish: 10,
      eventBytes: 256,
      nodesPerUpsert: 10,
      seed,
    },
  };
}

const valueOptions = [
  "--seconds",
  "--engines",
  "--grpc-concurrency",
  "--connections",
  "--connect-concurrency",
  "--real-scale",
  "--soak-minutes",
  "--soak-rate",
];
