import { type EngineKind, enginesArgument } from "../engine-sets.js";
import { type Env, positiveNumber } from "../env.js";

/** What one run of the compliance benchmark does; every field has a default. */
export interface ComplianceBenchOptions {
  /** `--engines embedded|real|both` (default both): where the erasure is timed. */
  readonly engines: readonly EngineKind[];
  /** `BENCH_ROUNDS`: measured ghz rounds per path, paths interleaved. Default 3. */
  readonly rounds: number;
  /** `BENCH_SECONDS`: each measured ghz run lasts about this long. Default 5. */
  readonly measureMs: number;
  readonly warmupMs: number;
  /** `BENCH_CONCURRENCY`: calls in flight per ghz run. Default 16. */
  readonly concurrency: number;
  /** Events per Publish, and the size of each payload in bytes. */
  readonly publish: { readonly events: number; readonly payloadBytes: number };
  /** The searched collection: points, dimension, hits per Search, the sensitive text's length. */
  readonly search: {
    readonly points: number;
    readonly dimension: number;
    readonly limit: number;
    readonly queries: number;
    readonly textBytes: number;
  };
  /** `BENCH_ERASE_ITEMS`: items the erased subject holds across the stores. Default 10000. */
  readonly eraseItems: number;
  readonly seed: number;
}

/** Reads the options from the command line and the environment. */
export function complianceBenchOptions(
  args: readonly string[] = process.argv.slice(2),
  env: Env = process.env,
): ComplianceBenchOptions {
  return {
    engines: enginesArgument(args),
    rounds: Math.round(positiveNumber(env, "BENCH_ROUNDS", 3, 100)),
    measureMs: positiveNumber(env, "BENCH_SECONDS", 5, 600) * 1000,
    warmupMs: 2000,
    concurrency: Math.round(positiveNumber(env, "BENCH_CONCURRENCY", 16, 1024)),
    publish: { events: 10, payloadBytes: 1024 },
    search: { points: 10_000, dimension: 384, limit: 10, queries: 200, textBytes: 256 },
    eraseItems: Math.round(positiveNumber(env, "BENCH_ERASE_ITEMS", 10_000, 10_000_000)),
    seed: 20261206,
  };
}
