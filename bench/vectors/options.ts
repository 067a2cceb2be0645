import { type Env, positiveNumber } from "../env.js";

/** The HNSW parameters every path is asked for (where it lets itself be asked). */
export interface HnswSettings {
  /** Links per node (`m`, usearch's connectivity). */
  readonly m: number;
  /** Candidates kept while building (`ef_construct`, usearch's expansion_add). */
  readonly efConstruct: number;
  /** Candidates kept while searching (`hnsw_ef`, usearch's expansion_search). */
  readonly ef: number;
}

/** What one run of the vector benchmark does; every field has a default. */
export interface VectorsBenchOptions {
  /** `--quick`: 10k points only, short rounds; results go to `vectors-quick.*`. */
  readonly quick: boolean;
  /**
   * `--points N[,N…]`: the collection sizes, each measured on every path. Default 10 000
   * and 100 000 (10 000 with `--quick`).
   */
  readonly sizes: readonly number[];
  /** The size the filtered searches run at: the largest of `sizes`. */
  readonly filteredSize: number;
  /** Components per vector. */
  readonly dimension: number;
  /** Gaussian clusters, their spread and the queries' noise, as `bench/dataset.ts` draws them. */
  readonly clusters: number;
  readonly spread: number;
  readonly queryNoise: number;
  readonly seed: number;
  /** Different queries each path cycles through (ghz sends query i mod this count). */
  readonly queries: number;
  /** Hits per Search. */
  readonly limit: number;
  readonly hnsw: HnswSettings;
  /** Points per Upsert while loading. */
  readonly batchSize: number;
  /** `BENCH_CONCURRENCY`: calls in flight in every measured run. Default 64. */
  readonly concurrency: number;
  /** `BENCH_ROUNDS`: measured runs per path, interleaved. Default 3 (1 with `--quick`). */
  readonly rounds: number;
  /** `BENCH_SECONDS`: length of each measured run. Default 4 (1 with `--quick`). */
  readonly measureMs: number;
  /** `BENCH_WARMUP_SECONDS`: un-measured run of each path first, which also sizes its runs. Default 2 (1 with `--quick`). */
  readonly warmupMs: number;
  /** Longest the wait for Qdrant to finish indexing a collection may take. */
  readonly indexTimeoutMs: number;
}

const usage = "usage: npm run bench:vectors -- [--quick] [--points N[,N…]]";

/**
 * Reads the options from the command line (`--quick`, `--points`) and the environment
 * (`BENCH_*`); the only place this benchmark reads either.
 */
export function vectorsBenchOptions(
  args: readonly string[] = process.argv.slice(2),
  env: Env = process.env,
): VectorsBenchOptions {
  let quick = false;
  let sizes: number[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--quick") quick = true;
    else if (arg === "--points" || arg.startsWith("--points=")) {
      const value = arg === "--points" ? args[++i] : arg.slice("--points=".length);
      sizes = parseSizes(value);
    } else throw new Error(`unknown argument ${arg}; ${usage}`);
  }
  const chosen = sizes ?? (quick ? [10_000] : [10_000, 100_000]);
  return {
    quick,
    sizes: chosen,
    filteredSize: Math.max(...chosen),
    dimension: 384,
    clusters: 100,
    spread: 0.5,
    queryNoise: 0.1,
    seed: 20_260_113,
    queries: 1_000,
    limit: 10,
    hnsw: { m: 16, efConstruct: 128, ef: 64 },
    batchSize: 500,
    concurrency: Math.ceil(positiveNumber(env, "BENCH_CONCURRENCY", 64, 256)),
    rounds: Math.ceil(positiveNumber(env, "BENCH_ROUNDS", quick ? 1 : 3, 20)),
    measureMs: 1000 * positiveNumber(env, "BENCH_SECONDS", quick ? 1 : 4, 120),
    warmupMs: 1000 * positiveNumber(env, "BENCH_WARMUP_SECONDS", quick ? 1 : 2, 60),
    indexTimeoutMs: 30 * 60_000,
  };
}

function parseSizes(value: string | undefined): number[] {
  const sizes = (value ?? "").split(",").map((part) => Number(part.trim()));
  if (
    sizes.length === 0 ||
    sizes.some((n) => !Number.isInteger(n) || n < 1_000 || n > 10_000_000)
  ) {
    throw new Error(
      `--points ${value}: expected sizes from 1000 to 10000000, comma-separated; ${usage}`,
    );
  }
  return [...new Set(sizes)].sort((a, b) => a - b);
}
