import type { DatasetSpec } from "../dataset.js";
import { type Env, positiveNumber } from "../env.js";

/** What one run of the chain benchmark does; every field has a default. */
export interface ChainBenchOptions {
  /** `REDIS_URL`: the Redis the limits of the `full-redis` server use; started for the run when unset. */
  readonly redisUrl?: string;
  /** `OTEL_COLLECTOR_OTLP_ENDPOINT`: where the traced server exports; a collector is started for the run when unset. */
  readonly collectorEndpoint?: string;
  /** `BENCH_CONCURRENCY`: calls in flight in every measured run. Default 64, so the server is saturated. */
  readonly concurrency: number;
  /** `BENCH_ROUNDS`: measured runs per configuration and RPC, interleaved. Default 3. */
  readonly rounds: number;
  /** `BENCH_SECONDS`: length of each measured run. Default 5. */
  readonly measureMs: number;
  /** `BENCH_WARMUP_SECONDS`: un-measured run of each configuration and RPC first, which also sizes its measured runs. Default 3. */
  readonly warmupMs: number;
  /** Most calls of one measured run, whatever its length. Default 200 000. */
  readonly maxRequests: number;
  /** The collection searched: 1 000 points × 64 dims, 200 queries. */
  readonly dataset: DatasetSpec;
  /** Hits per Search. Default 10. */
  readonly limit: number;
  /** Points per Upsert while loading. Default 100. */
  readonly batchSize: number;
}

/** Reads the options; the only place the chain benchmark reads `process.env`. */
export function chainBenchOptions(env: Env = process.env): ChainBenchOptions {
  const redisUrl = env.REDIS_URL?.trim();
  const collectorEndpoint = env.OTEL_COLLECTOR_OTLP_ENDPOINT?.trim();
  return {
    ...(redisUrl === undefined || redisUrl === "" ? {} : { redisUrl }),
    ...(collectorEndpoint === undefined || collectorEndpoint === "" ? {} : { collectorEndpoint }),
    concurrency: Math.ceil(positiveNumber(env, "BENCH_CONCURRENCY", 64, 256)),
    rounds: Math.ceil(positiveNumber(env, "BENCH_ROUNDS", 3, 20)),
    measureMs: 1000 * positiveNumber(env, "BENCH_SECONDS", 5, 120),
    warmupMs: 1000 * positiveNumber(env, "BENCH_WARMUP_SECONDS", 3, 60),
    maxRequests: 200_000,
    dataset: {
      points: 1_000,
      dimension: 64,
      clusters: 10,
      spread: 0.5,
      queries: 200,
      queryNoise: 0.1,
      seed: 20_240_601,
    },
    limit: 10,
    batchSize: 100,
  };
}
