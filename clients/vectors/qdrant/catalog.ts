import type { Schemas } from "@qdrant/js-client-rest";
import { NotFoundError } from "../../errors.js";
import type { CollectionInfo, Distance, PayloadIndexSpec, PayloadIndexType } from "../port.js";
import { callerKeyPath, tenantField } from "./payload.js";

const toQdrant: Record<Distance, Schemas["Distance"]> = {
  cosine: "Cosine",
  dot: "Dot",
  euclid: "Euclid",
};

const indexTypes: ReadonlySet<string> = new Set<PayloadIndexType>([
  "keyword",
  "integer",
  "float",
  "bool",
]);

/** Qdrant's name of a distance. */
export function qdrantDistance(distance: Distance): Schemas["Distance"] {
  return toQdrant[distance];
}

/** Whether a collection was finished: its tenant index, created last, exists. */
export function isComplete(info: Schemas["CollectionInfo"]): boolean {
  return info.payload_schema[tenantField] !== undefined;
}

/**
 * Describes a logical collection from Qdrant's collection info: the single unnamed
 * vector's size and distance, and the caller's payload indexes (the adapter's own are
 * left out). Qdrant reports indexes as a map, so their creation order is lost: they are
 * listed by key. An unfinished collection (see create.ts) is `NotFoundError`.
 */
export function describeCollection(name: string, info: Schemas["CollectionInfo"]): CollectionInfo {
  if (!isComplete(info)) throw new NotFoundError("collection", name);
  const vectors = info.config.params.vectors as Partial<Schemas["VectorParams"]> | undefined;
  const distance = (Object.keys(toQdrant) as Distance[]).find(
    (candidate) => toQdrant[candidate] === vectors?.distance,
  );
  if (typeof vectors?.size !== "number" || distance === undefined) {
    throw new Error(`qdrant collection of "${name}" does not have one vector of a known distance`);
  }
  const payloadIndexes: PayloadIndexSpec[] = [];
  for (const [key, index] of Object.entries(info.payload_schema)) {
    const callerKey = callerKeyPath(key);
    if (callerKey === undefined || index === undefined || !indexTypes.has(index.data_type))
      continue;
    payloadIndexes.push({ key: callerKey, type: index.data_type as PayloadIndexType });
  }
  payloadIndexes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { name, dimension: vectors.size, distance, payloadIndexes };
}

/**
 * Recently read collection shapes, keyed by Qdrant collection name, so that writes and
 * searches can check vector dimensions without a round trip each. Entries expire after
 * `ttlMs` and are dropped whenever Qdrant says otherwise (404, dimension error), so a
 * collection deleted and re-created elsewhere is seen within `ttlMs` at worst.
 */
export class ShapeCache {
  readonly #entries = new Map<string, { shape: CollectionInfo; expires: number }>();

  constructor(private readonly ttlMs: number) {}

  /** The cached shape, if still fresh. */
  get(qdrantName: string): CollectionInfo | undefined {
    const entry = this.#entries.get(qdrantName);
    if (entry === undefined) return undefined;
    if (entry.expires > Date.now()) return entry.shape;
    this.#entries.delete(qdrantName);
    return undefined;
  }

  /** Remembers a shape just read or written. */
  set(qdrantName: string, shape: CollectionInfo): void {
    if (this.ttlMs === 0) return;
    if (this.#entries.size >= 10_000) this.#entries.clear();
    this.#entries.set(qdrantName, { shape, expires: Date.now() + this.ttlMs });
  }

  /** Forgets a shape. */
  delete(qdrantName: string): void {
    this.#entries.delete(qdrantName);
  }
}
