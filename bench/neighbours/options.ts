import type { DatasetSpec } from "../dataset.js";
import { type Env, positiveNumber } from "../env.js";

/** The noisy tenant's graph: two random halves joined by one relationship. */
export interface NoisyGraphSpec {
  /** Nodes, split evenly between the halves. */
  readonly nodes: number;
  /** Relationships, the bridge included: 5 per node, so the average out-degree is 5. */
  readonly relationships: number;
  /** Items per UpsertNodes / UpsertRelationships while loading (the API's most). */
  readonly loadBatch: number;
  /** ShortestPath pairs, one in each half, whose only path (over the bridge) is this many hops or more. */
  readonly minPathHops: number;
  /** ShortestPath `max_depth` (the API's most). */
  readonly pathDepth: number;
  /** Neighbors `max_depth` (the API's most). */
  readonly neighborsDepth: number;
  /** Neighbors `limit` (the API's most). */
  readonly neighborsLimit: number;
  /** Distinct ShortestPath pairs and Neighbors start nodes the loops cycle through. */
  readonly requests: number;
}

/** The quiet tenant's small graph, read by GetNode. */
export interface QuietGraphSpec {
  readonly nodes: number;
  readonly relationships: number;
}

/** How long each phase runs. */
export interface PhaseDurations {
  /** The quiet tenant's un-measured warm-up. */
  readonly warmupMs: number;
  /** The quiet tenant alone, before and after the noisy phase. */
  readonly baselineMs: number;
  /** Each of the noisy tenant's loops alone, one after another. */
  readonly soloMs: number;
  /** The quiet tenant beside the noisy tenant's three loops. */
  readonly noisyMs: number;
  /** The noisy loops start this long before the quiet tenant's measured window and stop after it. */
  readonly rampMs: number;
}

/** What one run of the noisy-neighbour benchmark does. */
export interface NeighboursOptions {
  /** `--quick`: smaller data and shorter phases; results go to `neighbours-quick.*`. */
  readonly quick: boolean;
  readonly seed: number;
  readonly noisyGraph: NoisyGraphSpec;
  /** The noisy tenant's collection, searched with `exact: true`. */
  readonly noisyVectors: DatasetSpec;
  readonly quietGraph: QuietGraphSpec;
  /** The quiet tenant's small collection, searched without `exact`. */
  readonly quietVectors: DatasetSpec;
  /** Hits per Search, both tenants. */
  readonly searchLimit: number;
  /** Points per Upsert while loading. */
  readonly upsertBatch: number;
  /** `BENCH_QUIET_RATE`: the quiet tenant's calls per second, sent on a fixed schedule. Default 100. */
  readonly quietRate: number;
  /** `BENCH_NOISY_CONCURRENCY`: calls in flight in each of the noisy tenant's loops. Default 1. */
  readonly noisyConcurrency: number;
  readonly phases: PhaseDurations;
  /** The quiet tenant's p99 target beside the noisy one, in ms. */
  readonly p99TargetMs: number;
}

const seed = 20_250_301;

/**
 * Reads the options from the command line (`--quick`) and the environment
 * (`BENCH_QUIET_RATE`, `BENCH_NOISY_CONCURRENCY`, `BENCH_SECONDS` for the noisy phase);
 * the only place this benchmark reads either.
 */
export function neighboursOptions(
  args: readonly string[] = process.argv.slice(2),
  env: Env = process.env,
): NeighboursOptions {
  const unknown = args.filter((arg) => arg !== "--quick");
  if (unknown.length > 0) throw new Error(`unknown arguments: ${unknown.join(" ")} (only --quick)`);
  const quick = args.includes("--quick");
  const scale = quick ? 4 : 1;
  const noisyMs = quick ? 15_000 : 60_000;
  return {
    quick,
    seed,
    noisyGraph: {
      nodes: 80_000 / scale,
      relationships: 400_000 / scale,
      loadBatch: 1000,
      minPathHops: 9,
      pathDepth: 10,
      neighborsDepth: 5,
      neighborsLimit: 1000,
      requests: 32,
    },
    noisyVectors: {
      points: 10_000 / scale,
      dimension: 1024,
      clusters: 16,
      spread: 0.5,
      queries: 32,
      queryNoise: 0.1,
      seed,
    },
    quietGraph: { nodes: 1_000, relationships: 5_000 },
    quietVectors: {
      points: 1_000,
      dimension: 64,
      clusters: 10,
      spread: 0.5,
      queries: 100,
      queryNoise: 0.1,
      seed: seed + 1,
    },
    searchLimit: 10,
    upsertBatch: 250,
    quietRate: positiveNumber(env, "BENCH_QUIET_RATE", 100, 2000),
    noisyConcurrency: Math.ceil(positiveNumber(env, "BENCH_NOISY_CONCURRENCY", 1, 64)),
    phases: {
      warmupMs: quick ? 2_000 : 5_000,
      baselineMs: quick ? 8_000 : 30_000,
      soloMs: quick ? 4_000 : 10_000,
      noisyMs: 1000 * positiveNumber(env, "BENCH_SECONDS", noisyMs / 1000, 600),
      rampMs: quick ? 1_000 : 2_000,
    },
    p99TargetMs: 50,
  };
}
