import { type EngineKind, enginesArgument } from "../engine-sets.js";
import { type Env, positiveNumber } from "../env.js";

/** What one run of the RAG benchmark does; every field has a default. */
export interface RagBenchOptions {
  /** `--engines embedded|real|both` (default both): which engines to measure on. */
  readonly engines: readonly EngineKind[];
  /** `BENCH_CHUNKS`: chunks each ingestion round writes, per path. Default 3000. */
  readonly chunksPerRound: number;
  /** `BENCH_ROUNDS`: measured rounds per path, the paths interleaved. Default 3. */
  readonly rounds: number;
  /** `BENCH_DIMENSION`: vector length. Default 384. */
  readonly dimension: number;
  /** Entities each chunk mentions. */
  readonly entitiesPerChunk: number;
  /** Distinct entities a round's chunks draw from. */
  readonly entityPool: number;
  /** Chunks per Publish, and per direct Upsert. */
  readonly batchSize: number;
  /** Batches in flight while loading, on both paths. */
  readonly batchesInFlight: number;
  /** Partitions of the ingested topics. */
  readonly partitions: number;
  /** The Retrieve comparison. */
  readonly retrieve: {
    /** `BENCH_CONCURRENCY`: retrievals in flight. Default 8. */
    readonly concurrency: number;
    /** `BENCH_SECONDS`: longest measured run. Default 5. */
    readonly measureMs: number;
    readonly warmupMs: number;
    readonly limit: number;
    readonly depth: number;
    /** Nodes per hit besides its entities. */
    readonly expandLimit: number;
    readonly queries: number;
  };
  readonly seed: number;
}

/** Reads the options from the command line and the environment. */
export function ragBenchOptions(
  args: readonly string[] = process.argv.slice(2),
  env: Env = process.env,
): RagBenchOptions {
  return {
    engines: enginesArgument(args),
    chunksPerRound: Math.round(positiveNumber(env, "BENCH_CHUNKS", 3000, 1_000_000)),
    rounds: Math.round(positiveNumber(env, "BENCH_ROUNDS", 3, 100)),
    dimension: Math.round(positiveNumber(env, "BENCH_DIMENSION", 384, 4096)),
    entitiesPerChunk: 3,
    entityPool: 2000,
    batchSize: 100,
    batchesInFlight: 4,
    partitions: 4,
    retrieve: {
      concurrency: Math.round(positiveNumber(env, "BENCH_CONCURRENCY", 8, 1024)),
      measureMs: positiveNumber(env, "BENCH_SECONDS", 5, 600) * 1000,
      warmupMs: 2000,
      limit: 10,
      depth: 1,
      expandLimit: 20,
      queries: 200,
    },
    seed: 20261206,
  };
}
