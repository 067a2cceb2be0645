import { type Env, positiveNumber } from "../env.js";

/** The real engines the benchmark found in its environment. */
export interface EngineUrls {
  /** `KAFKA_BROKERS`: the Kafka part runs only when it is set. */
  readonly kafkaBrokers?: string;
  /** `REDIS_URL`: ragplane's events idempotency index (in the server's memory without it). */
  readonly redisUrl?: string;
  /** `NEO4J_URL`, with `NEO4J_USER` (default `neo4j`) and `NEO4J_PASSWORD`. */
  readonly neo4j?: { readonly url: string; readonly user: string; readonly password: string };
}

/** What one run of the engines benchmark does; every field has a default. */
export interface EnginesBenchOptions {
  readonly engines: EngineUrls;
  /** `BENCH_CONCURRENCY`: calls in flight in every measured run. Default 4. */
  readonly concurrency: number;
  /** `BENCH_ROUNDS`: measured runs per path, the paths interleaved. Default 3. */
  readonly rounds: number;
  /** `BENCH_SECONDS`: longest measured run. Default 4. */
  readonly measureMs: number;
  /** `BENCH_WARMUP_SECONDS`: un-measured run of each path first. Default 1. */
  readonly warmupMs: number;
  /** The Publish workload. */
  readonly publish: {
    /** Events per Publish / produce request. Default 100. */
    readonly batchSize: number;
    /** Bytes of each event's payload. Default 200. */
    readonly payloadBytes: number;
    /** Partitions of the topics. Default 4. */
    readonly partitions: number;
    /** Most batches in one measured run. Default 2000. */
    readonly maxRequests: number;
    /** Most batches in one warm-up. Default 200. */
    readonly warmupRequests: number;
  };
  /** The graph and the Neighbors workload. */
  readonly graph: {
    readonly nodes: number;
    readonly relationships: number;
    /** Nodes or relationships per Upsert call while loading. Default 1000. */
    readonly loadBatch: number;
    readonly maxDepth: number;
    readonly limit: number;
    /** Distinct start nodes, drawn from the PRNG and cycled through. Default 1000. */
    readonly startNodes: number;
    /** Most calls in one measured run. Default 20 000. */
    readonly maxRequests: number;
    /** Start nodes whose ragplane and direct results are compared before measuring. */
    readonly compared: number;
  };
  readonly seed: number;
  /** Top functions listed when a ragplane path is profiled. Default 25. */
  readonly profiledFunctions: number;
  /**
   * `BENCH_PROFILE`: which ragplane paths on real engines get an extra, profiled run:
   * `misses` (default: those that missed their target) or `always` (all of them).
   */
  readonly profile: "misses" | "always";
}

/** Reads the options; the only place the engines benchmark reads `process.env`. */
export function enginesBenchOptions(env: Env = process.env): EnginesBenchOptions {
  return {
    engines: engineUrls(env),
    concurrency: Math.ceil(positiveNumber(env, "BENCH_CONCURRENCY", 4, 256)),
    rounds: Math.ceil(positiveNumber(env, "BENCH_ROUNDS", 3, 10)),
    measureMs: 1000 * positiveNumber(env, "BENCH_SECONDS", 4, 120),
    warmupMs: 1000 * positiveNumber(env, "BENCH_WARMUP_SECONDS", 1, 60),
    publish: {
      batchSize: 100,
      payloadBytes: 200,
      partitions: 4,
      maxRequests: 2000,
      warmupRequests: 200,
    },
    graph: {
      nodes: 10_000,
      relationships: 40_000,
      loadBatch: 1000,
      maxDepth: 2,
      limit: 100,
      startNodes: 1000,
      maxRequests: 20_000,
      compared: 20,
    },
    seed: 20_240_601,
    profiledFunctions: 25,
    profile: profileChoice(env),
  };
}

function engineUrls(env: Env): EngineUrls {
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const kafkaBrokers = text("KAFKA_BROKERS");
  const redisUrl = text("REDIS_URL");
  const neo4jUrl = text("NEO4J_URL");
  const neo4jPassword = text("NEO4J_PASSWORD");
  return {
    ...(kafkaBrokers === undefined ? {} : { kafkaBrokers }),
    ...(redisUrl === undefined ? {} : { redisUrl }),
    ...(neo4jUrl === undefined || neo4jPassword === undefined
      ? {}
      : { neo4j: { url: neo4jUrl, user: text("NEO4J_USER") ?? "neo4j", password: neo4jPassword } }),
  };
}

function profileChoice(env: Env): "misses" | "always" {
  const value = env.BENCH_PROFILE?.trim() || "misses";
  if (value === "misses" || value === "always") return value;
  throw new Error(`BENCH_PROFILE=${JSON.stringify(value)} must be misses or always`);
}
