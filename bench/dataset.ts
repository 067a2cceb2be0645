import { seededRandom } from "./prng.js";
/** The shape of a generated dataset. */
export interface DatasetSpec {
  /** Number of points. */
  readonly points: number;
  /** Components per vector. */
  readonly dimension: number;
  /** Gaussian clusters the points are drawn around. */
  readonly clusters: number;
  /** Standard deviation of a point around its cluster centre (centres have 1). */
  readonly spread: number;
  /** Number of query vectors. */
  readonly queries: number;
  /** Standard deviation of a query around the data point it is drawn near. */
  readonly queryNoise: number;
  /** PRNG seed: the same seed gives the same vectors. */
  readonly seed: number;
}

/**
 * Deterministic clustered Gaussian vectors: each point is a cluster centre plus noise,
 * each query a random data point plus smaller noise, so every query has a meaningful
 * neighbourhood and recall measures the index rather than noise.
 */
export interface Dataset {
  readonly spec: DatasetSpec;
  /** Point ids, `p00000`… in insertion order. */
  readonly ids: readonly string[];
  /** The cluster each point was drawn from. */
  readonly clusterOf: Uint16Array;
  /** Point vectors, as the plain arrays a decoded protobuf message holds. */
  readonly vectors: readonly number[][];
  /** Query vectors. */
  readonly queries: readonly number[][];
}

/** Generates the dataset described by `spec`. */
export function generateDataset(spec: DatasetSpec): Dataset {
  const gaussian = gaussianSource(spec.seed);
  const uniform = seededRandom(spec.seed ^ 0x5bd1e995);
  const centres = Array.from({ length: spec.clusters }, () =>
    Array.from({ length: spec.dimension }, gaussian),
  );
  const clusterOf = new Uint16Array(spec.points);
  const vectors: number[][] = [];
  for (let i = 0; i < spec.points; i++) {
    const cluster = Math.floor(uniform() * spec.clusters);
    clusterOf[i] = cluster;
    vectors.push(jitter(centres[cluster]!, spec.spread, gaussian));
  }
  const queries: number[][] = [];
  for (let i = 0; i < spec.queries; i++) {
    const near = vectors[Math.floor(uniform() * spec.points)]!;
    queries.push(jitter(near, spec.queryNoise, gaussian));
  }
  const width = String(spec.points - 1).length;
  const ids = Array.from({ length: spec.points }, (_, i) => `p${String(i).padStart(width, "0")}`);
  return { spec, ids, clusterOf, vectors, queries };
}

function jitter(centre: readonly number[], sigma: number, gaussian: () => number): number[] {
  return centre.map((value) => Math.fround(value + sigma * gaussian()));
}

/** Standard normal samples from the Box–Muller transform over a seeded PRNG. */
function gaussianSource(seed: number): () => number {
  const uniform = seededRandom(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}
