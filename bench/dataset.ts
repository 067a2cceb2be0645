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

/** A {@link Dataset} with its vectors in flat float32 arrays, for datasets too big for arrays of numbers. */
export interface FlatDataset {
  readonly spec: DatasetSpec;
  /** Point ids, `p00000`… in insertion order. */
  readonly ids: readonly string[];
  /** The cluster each point was drawn from. */
  readonly clusterOf: Uint16Array;
  /** Point i's vector is `vectors.subarray(i * dimension, (i + 1) * dimension)`. */
  readonly vectors: Float32Array;
  /** Query i's vector is `queries.subarray(i * dimension, (i + 1) * dimension)`. */
  readonly queries: Float32Array;
}

/** Generates the dataset described by `spec`. */
export function generateDataset(spec: DatasetSpec): Dataset {
  const flat = generateFlatDataset(spec);
  return {
    spec,
    ids: flat.ids,
    clusterOf: flat.clusterOf,
    vectors: rows(flat.vectors, spec.dimension),
    queries: rows(flat.queries, spec.dimension),
  };
}

/**
 * Generates the dataset described by `spec` into flat arrays: the same vectors as
 * {@link generateDataset} gives for the same spec.
 */
export function generateFlatDataset(spec: DatasetSpec): FlatDataset {
  const gaussian = gaussianSource(spec.seed);
  const uniform = seededRandom(spec.seed ^ 0x5bd1e995);
  const dimension = spec.dimension;
  const centres = Array.from({ length: spec.clusters }, () =>
    Array.from({ length: dimension }, gaussian),
  );
  const clusterOf = new Uint16Array(spec.points);
  const vectors = new Float32Array(spec.points * dimension);
  for (let i = 0; i < spec.points; i++) {
    const cluster = Math.floor(uniform() * spec.clusters);
    clusterOf[i] = cluster;
    jitter(centres[cluster]!, spec.spread, gaussian, vectors, i * dimension);
  }
  const queries = new Float32Array(spec.queries * dimension);
  for (let i = 0; i < spec.queries; i++) {
    const near = Math.floor(uniform() * spec.points) * dimension;
    jitter(
      vectors.subarray(near, near + dimension),
      spec.queryNoise,
      gaussian,
      queries,
      i * dimension,
    );
  }
  const width = String(spec.points - 1).length;
  const ids = Array.from({ length: spec.points }, (_, i) => `p${String(i).padStart(width, "0")}`);
  return { spec, ids, clusterOf, vectors, queries };
}

/** Writes `centre` plus N(0, sigma²) noise per component into `out` from `offset`. */
function jitter(
  centre: ArrayLike<number>,
  sigma: number,
  gaussian: () => number,
  out: Float32Array,
  offset: number,
): void {
  for (let i = 0; i < centre.length; i++) out[offset + i] = centre[i]! + sigma * gaussian();
}

function rows(flat: Float32Array, dimension: number): number[][] {
  const out: number[][] = [];
  for (let start = 0; start < flat.length; start += dimension) {
    out.push(Array.from(flat.subarray(start, start + dimension)));
  }
  return out;
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
