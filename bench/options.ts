import { fileURLToPath } from "node:url";
import type { DatasetSpec } from "./dataset.js";
import { type Env, positiveNumber } from "./env.js";

/** What one benchmark run does; every field has a default. */
export interface BenchOptions {
  /** The vectors loaded and queried. */
  readonly dataset: DatasetSpec;
  /** Hits asked per search. Default 10. */
  readonly limit: number;
  /** Points per Upsert request. Default 100. */
  readonly batchSize: number;
  /** `BENCH_SECONDS`: measured duration of each timed scenario. Default 5. */
  readonly measureMs: number;
  /** `BENCH_WARMUP_SECONDS`: un-measured run before each timed scenario. Default 1. */
  readonly warmupMs: number;
  /**
   * `BENCH_CONCURRENCY`: calls in flight for the RPC Search and echo scenarios. Default 64,
   * enough to keep the server's event loop busy: at 16, the server answers a batch of
   * searches together, the client then sends the next ones, and the two alternate with
   * neither saturated, so the run measures that rhythm rather than the server's capacity.
   */
  readonly concurrency: number;
  /** Upsert requests in flight while loading the server. Default 4. */
  readonly upsertConcurrency: number;
  /** Most calls in one timed scenario, whatever its duration. Default 1 000 000. */
  readonly maxRequests: number;
  /** Longest the dataset load may take before the run is abandoned. Default 120 s. */
  readonly loadTimeoutMs: number;
  /** Queries whose HNSW hits are compared with exact search. Default 200. */
  readonly recallQueries: number;
  /**
   * `BENCH_PROFILE=1`: where a V8 CPU profile of the ragplane child over the measured gRPC
   * Search run is written (`bench/results/ragplane-search.cpuprofile`); the report then
   * goes to `search-profiled.md` / `.json`. Default: none.
   */
  readonly searchProfile?: string;
}

/** Reads the benchmark's options; the only place the benchmark reads `process.env`. */
export function benchOptions(env: Env = process.env): BenchOptions {
  return {
    dataset: {
      points: 10_000,
      dimension: 384,
      clusters: 100,
      spread: 0.5,
      queries: 1_000,
      queryNoise: 0.1,
      seed: 20_240_601,
    },
    limit: 10,
    batchSize: 100,
    measureMs: 1000 * positiveNumber(env, "BENCH_SECONDS", 5, 600),
    warmupMs: 1000 * positiveNumber(env, "BENCH_WARMUP_SECONDS", 1, 600),
    concurrency: positiveNumber(env, "BENCH_CONCURRENCY", 64, 600),
    upsertConcurrency: 4,
    maxRequests: 1_000_000,
    loadTimeoutMs: 120_000,
    recallQueries: 200,
    ...(env.BENCH_PROFILE === "1"
      ? {
          searchProfile: fileURLToPath(
            new URL("results/ragplane-search.cpuprofile", import.meta.url),
          ),
        }
      : {}),
  };
}
