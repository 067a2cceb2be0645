/**
 * The vectors port: what the Vectors service needs from a vector engine, in our own
 * terms. The embedded adapter (usearch + SQLite) and the Qdrant adapter both implement
 * it and pass the same contract suite (tests/contract/vectors.contract.ts).
 */
import type { JsonObject } from "@bufbuild/protobuf";
import type { EngineHealth } from "../health.js";
import type { PointFilter } from "./filter.js";

export type {
  AnyCondition,
  Condition,
  FilterScalar,
  MatchCondition,
  PointFilter,
  RangeBounds,
  RangeCondition,
} from "./filter.js";

/**
 * How similarity is measured. Scores follow Qdrant: `cosine` is the cosine similarity
 * and `dot` the dot product (higher is closer); `euclid` is the plain L2 distance
 * (lower is closer).
 */
export type Distance = "cosine" | "dot" | "euclid";

/** The type of values a payload index holds. */
export type PayloadIndexType = "keyword" | "integer" | "float" | "bool";

/** A payload key the engine should index. Filters give the same results without one. */
export interface PayloadIndexSpec {
  /** Payload key path, e.g. `meta.lang`. */
  readonly key: string;
  readonly type: PayloadIndexType;
}

/** How a collection's HNSW graph is built. */
export interface IndexSettings {
  /** Links per point (HNSW `M`), 4 to 64. */
  readonly m: number;
  /** Candidates weighed when a point is linked in (`ef_construction`), 8 to 1024. */
  readonly efConstruct: number;
}

/** The index settings of a collection created without any: usearch's and ragplane's defaults. */
export const defaultIndexSettings: IndexSettings = { m: 16, efConstruct: 128 };

/** Candidates a graph walk keeps when a search names none (HNSW `ef`). */
export const defaultSearchEf = 64;

/** The shape of a new collection. */
export interface CollectionSpec {
  /** Unique per tenant: 1 to 200 characters of [A-Za-z0-9._-]. */
  readonly name: string;
  /** Length of every vector. */
  readonly dimension: number;
  readonly distance: Distance;
  /** Payload keys to index; none by default. */
  readonly payloadIndexes?: readonly PayloadIndexSpec[];
  /** How the approximate index is built; {@link defaultIndexSettings} when absent. */
  readonly index?: IndexSettings;
  /** How long a point is kept after its last write, in ms; forever when absent. */
  readonly maxAgeMs?: number;
  /**
   * Top-level payload keys whose values are stored encrypted (by the decorator of
   * server/encryption/sealed-vectors.ts; the store only keeps the list); none by default.
   */
  readonly sensitiveFields?: readonly string[];
}

/** A collection as stored. */
export interface CollectionInfo {
  readonly name: string;
  readonly dimension: number;
  readonly distance: Distance;
  readonly payloadIndexes: readonly PayloadIndexSpec[];
  /** How its approximate index is built; {@link defaultIndexSettings} when absent. */
  readonly index?: IndexSettings;
  /** How long a point is kept after its last write, in ms; forever when absent. */
  readonly maxAgeMs?: number;
  /** Top-level payload keys whose values are stored encrypted; `[]` when none. */
  readonly sensitiveFields: readonly string[];
}

/** A collection that keeps its points for a limited time, as the retention sweeper sees it. */
export interface CollectionMaxAge {
  readonly tenant: string;
  readonly collection: string;
  /** How long a point is kept after its last write, in ms (positive). */
  readonly maxAgeMs: number;
}

/** A collection with its current number of points. */
export interface CollectionDetails extends CollectionInfo {
  readonly pointCount: number;
}

/** A page of collections in name order. */
export interface CollectionPage {
  readonly collections: readonly CollectionInfo[];
  /** The last name of this page when more follow; pass it as `after`. */
  readonly nextAfter?: string;
}

/** A second name of a collection. */
export interface CollectionAlias {
  /** The alias: 1 to 200 characters of [A-Za-z0-9._-], unique among the tenant's collections and aliases. */
  readonly name: string;
  /** The collection it points to. */
  readonly collection: string;
}

/** A page of aliases in name order. */
export interface AliasPage {
  readonly aliases: readonly CollectionAlias[];
  /** The last name of this page when more follow; pass it as `after`. */
  readonly nextAfter?: string;
}

/** A point to write. */
export interface PointInput {
  /** Unique within the collection. */
  readonly id: string;
  /** Finite values; length equal to the collection's dimension. */
  readonly vector: ArrayLike<number>;
  /** JSON metadata; an absent payload is stored as `{}`. */
  readonly payload?: JsonObject;
  /**
   * The data subject the point is about (e.g. a person's id), for erasure and export;
   * absent or empty for none. Kept beside the payload, never inside it, and indexed.
   */
  readonly subject?: string;
}

/**
 * A point as read back. `payload` and `vector` are present when asked for. Cosine
 * collections store (and return) vectors normalised to unit length, as Qdrant does.
 */
export interface StoredPoint {
  readonly id: string;
  readonly payload?: JsonObject;
  readonly vector?: number[];
  /**
   * The point's data subject: set when the point has a non-empty subject and the payload
   * was asked for (`get` always asks for it).
   */
  readonly subject?: string;
}

/** A search hit. */
export interface ScoredPoint extends StoredPoint {
  /** Cosine similarity, dot product, or euclidean distance (see {@link Distance}). */
  readonly score: number;
}

/** A similarity query. */
export interface SearchQuery {
  /** Length equal to the collection's dimension. */
  readonly vector: ArrayLike<number>;
  /** Most hits wanted (at least 1). */
  readonly limit: number;
  /** Only points matching this filter are considered. */
  readonly filter?: PointFilter;
  /** Keep hits with score >= threshold (cosine, dot) or <= threshold (euclid). */
  readonly scoreThreshold?: number;
  readonly withPayload: boolean;
  readonly withVector: boolean;
  /** Brute force instead of the approximate index. */
  readonly exact: boolean;
  /** Candidates the graph walk keeps (HNSW `ef`); {@link defaultSearchEf} when absent. */
  readonly hnswEf?: number;
}

/**
 * Which points a delete removes: these ids, every point matching the filter, or every
 * point of a data subject (in that collection).
 */
export type PointSelector =
  | { readonly ids: readonly string[] }
  | { readonly filter: PointFilter }
  | { readonly subject: string };

/** One page of a scroll through points in id order. */
export interface ScrollQuery {
  readonly filter?: PointFilter;
  /** Only the points of this data subject (combined with the filter); all when absent. */
  readonly subject?: string;
  /** Page size (at least 1). */
  readonly limit: number;
  /** Start after this id (the previous page's `nextAfter`). */
  readonly after?: string;
  readonly withPayload: boolean;
  readonly withVector: boolean;
}

/** A page of points in id order. */
export interface PointPage {
  readonly points: readonly StoredPoint[];
  /** The last id of this page when more follow; pass it as `after`. */
  readonly nextAfter?: string;
}

/**
 * An engine that stores vectors with payloads in named collections and answers filtered
 * similarity searches. Every call is scoped to a tenant: one tenant never sees another's
 * collections or points, even under the same names.
 *
 * Aliases are second names of collections. They share one namespace per tenant with the
 * collections, and every operation that takes a collection name, except
 * `createCollection` and `deleteCollection`, accepts an alias and acts on the collection
 * it points to (`getCollection` reports that collection's own name).
 *
 * Errors are the domain errors of clients/errors.ts: `NotFoundError("collection", name)`
 * for an unknown collection, `AlreadyExistsError` on create, `PreconditionError` (with
 * the field, e.g. `points[3].vector`) for a vector of the wrong dimension,
 * `EngineUnavailableError` when the engine cannot be reached, `CancelledError` or
 * `EngineTimeoutError` when `signal` aborts.
 */
export interface VectorStore {
  /**
   * Creates a collection; `AlreadyExistsError` if the tenant already has a collection
   * (kind `collection`) or an alias (kind `alias`) of that name.
   */
  createCollection(
    tenant: string,
    spec: CollectionSpec,
    signal?: AbortSignal,
  ): Promise<CollectionInfo>;

  /** Lists the tenant's collections in name order, `limit` at a time. */
  listCollections(
    tenant: string,
    page: { readonly limit: number; readonly after?: string },
    signal?: AbortSignal,
  ): Promise<CollectionPage>;

  /** Describes one collection with its point count. */
  getCollection(tenant: string, name: string, signal?: AbortSignal): Promise<CollectionDetails>;

  /**
   * Deletes a collection and its points; false when it did not exist. `PreconditionError`
   * (field `name`) when `name` is an alias, or when an alias points to the collection:
   * aliases are moved or deleted first.
   */
  deleteCollection(tenant: string, name: string, signal?: AbortSignal): Promise<boolean>;

  /**
   * Inserts or replaces points by id, all or nothing: a rejected batch writes nothing.
   * Later duplicates of an id in one batch win. Returns the number of distinct ids written.
   */
  upsert(
    tenant: string,
    collection: string,
    points: readonly PointInput[],
    signal?: AbortSignal,
  ): Promise<number>;

  /** The nearest points to a vector among those matching the filter, best first. */
  search(
    tenant: string,
    collection: string,
    query: SearchQuery,
    signal?: AbortSignal,
  ): Promise<ScoredPoint[]>;

  /** Points by id, with payloads, in request order; missing ids are left out, repeats once. */
  get(
    tenant: string,
    collection: string,
    ids: readonly string[],
    options: { readonly withVector: boolean },
    signal?: AbortSignal,
  ): Promise<StoredPoint[]>;

  /**
   * Deletes points by ids, by filter or by subject; returns how many existed and were
   * deleted.
   */
  delete(
    tenant: string,
    collection: string,
    selector: PointSelector,
    signal?: AbortSignal,
  ): Promise<number>;

  /** Counts the points matching a filter (all points without one). */
  count(
    tenant: string,
    collection: string,
    filter?: PointFilter,
    signal?: AbortSignal,
  ): Promise<number>;

  /** One page of the points matching a filter, in id order. */
  scroll(
    tenant: string,
    collection: string,
    query: ScrollQuery,
    signal?: AbortSignal,
  ): Promise<PointPage>;

  /**
   * Points `alias` at `collection`, creating the alias or moving it in one step, and
   * returns the collection it pointed to before (none when it is new).
   * `AlreadyExistsError("collection", alias)` when a collection has the alias's name;
   * `NotFoundError("collection", collection)` when `collection` is not a collection of
   * the tenant (an alias is not one).
   */
  putAlias(
    tenant: string,
    alias: string,
    collection: string,
    signal?: AbortSignal,
  ): Promise<{ readonly previous?: string }>;

  /** Deletes an alias, leaving its collection untouched; false when there was none. */
  deleteAlias(tenant: string, alias: string, signal?: AbortSignal): Promise<boolean>;

  /** Lists the tenant's aliases in name order, `limit` at a time. */
  listAliases(
    tenant: string,
    page: { readonly limit: number; readonly after?: string },
    signal?: AbortSignal,
  ): Promise<AliasPage>;

  /**
   * Sets (or, with `undefined`, clears) how long the collection keeps a point after its
   * last write, and returns the collection as stored. Accepts an alias.
   */
  setMaxAge(
    tenant: string,
    name: string,
    maxAgeMs: number | undefined,
    signal?: AbortSignal,
  ): Promise<CollectionInfo>;

  /** Every collection of every tenant that has a maximum age. */
  listMaxAges(signal?: AbortSignal): Promise<CollectionMaxAge[]>;

  /**
   * Deletes at most `limit` points last written before `beforeMs` (ms since the epoch).
   * Every upsert records its time as the point's write time, so a rewritten point is
   * young again. Returns how many were deleted; fewer than `limit` means none are left.
   */
  deleteWrittenBefore(
    tenant: string,
    collection: string,
    beforeMs: number,
    limit: number,
    signal?: AbortSignal,
  ): Promise<number>;

  /** Whether the engine can serve requests now. */
  health(): Promise<EngineHealth>;

  /** Releases the engine's resources; later calls fail with `EngineUnavailableError`. */
  close(): Promise<void>;
}
