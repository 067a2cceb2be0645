import type { JsonObject } from "@bufbuild/protobuf";
import { Index, MetricKind, ScalarKind } from "usearch";
import type { PointFilter } from "../filter.js";
import {
  type Distance,
  defaultIndexSettings,
  defaultSearchEf,
  type IndexSettings,
  type PayloadIndexSpec,
} from "../port.js";
import type { CollectionRow } from "./db.js";
import { type IndexedMatches, indexedMatches, PayloadValueIndex } from "./value-index.js";

/**
 * The default HNSW parameters (M 16, ef_construction 128, ef 64; a collection may set
 * its own M and ef_construction, a search its own ef). Measured at 10k × 384 on one core:
 * ≈ 160 µs per search and recall@10 1.0 on clustered data (as embeddings are); uniform
 * random vectors, the worst case, reach only ≈ 0.4 at ef 64 (0.8 at ef 256 for 1.5 ms).
 * usearch walks with a beam of max(ef, hits asked), so a search's own ef is honoured by
 * asking for that many hits and keeping the best.
 */
export const hnsw = {
  connectivity: defaultIndexSettings.m,
  expansionAdd: defaultIndexSettings.efConstruct,
  expansionSearch: defaultSearchEf,
} as const;

/**
 * The graph holds vectors as bfloat16: half the memory of float32, and measured at
 * 10k × 384 (clustered, unit length) on one core, searches in 55 % of the time and builds
 * in 45 %, at the same recall@10 (0.93 against 0.93). Hits are rescored from the float32
 * vectors kept beside the graph, so scores stay exact; only the ranking of candidates
 * inside the graph walk uses the rounded values. (int8 was faster still, but lost recall:
 * 0.83.)
 */
export const indexFormat = "bf16";

/**
 * usearch only marks removed points, and reuses their nodes for later inserts. When more
 * nodes are dead than alive (and at least this many), the index is rebuilt, so searches
 * do not wade through a graph of mostly deleted points.
 */
const tombstoneCompactionMin = 1024;

/** One point to apply to memory after its SQLite write committed. */
export interface PointEntry {
  readonly key: number;
  readonly id: string;
  /** Already normalised for cosine collections. */
  readonly vector: Float32Array;
  readonly payloadText: string;
  /** The point's data subject; undefined for none. */
  readonly subject: string | undefined;
}

/**
 * The usearch metric for a distance. Cosine collections hold unit vectors, so both cosine
 * and dot use inner product (usearch reports `1 - dot`); euclid uses squared L2. Scores
 * are recomputed in JS, so usearch's distances only rank candidates.
 */
export function metricFor(distance: Distance): MetricKind {
  return distance === "euclid" ? MetricKind.L2sq : MetricKind.IP;
}

/** Creates an empty usearch index for a collection. */
export function createIndex(
  dimension: number,
  distance: Distance,
  settings: IndexSettings = defaultIndexSettings,
): Index {
  return new Index({
    dimensions: dimension,
    metric: metricFor(distance),
    quantization: ScalarKind.BF16,
    connectivity: settings.m,
    expansion_add: settings.efConstruct,
    expansion_search: hnsw.expansionSearch,
    multi: false,
  });
}

/**
 * A collection held in memory: dense slots of ids, keys, vectors (one Float32 matrix),
 * payloads (JSON text and a parsed copy for filtering), data subjects, and the HNSW index keyed by the
 * points' SQLite keys. A delete moves the last slot into the freed one, so slots stay
 * dense and a scan touches only live points.
 *
 * Threads: index writes use usearch's default (all cores; one point runs inline) and
 * searches one thread. usearch sizes its per-thread contexts when it grows, so mixing
 * larger thread counts later could fail an insert; these two settings never do.
 */
export class LoadedCollection {
  readonly uid: number;
  readonly name: string;
  readonly dimension: number;
  readonly distance: Distance;
  readonly payloadIndexes: readonly PayloadIndexSpec[];
  /** How the HNSW graph is built. */
  readonly indexSettings: IndexSettings;
  /** The SQLite version this memory state reflects. */
  version: number;
  /** The version the index file on disk reflects, if any. */
  savedVersion: number | null;

  #index: Index;
  #tombstones = 0;
  #size = 0;
  #vectors: Float32Array;
  readonly #ids: string[] = [];
  readonly #keys: number[] = [];
  readonly #payloadText: string[] = [];
  readonly #payloads: JsonObject[] = [];
  readonly #subjects: (string | undefined)[] = [];
  readonly #slotById = new Map<string, number>();
  readonly #slotByKey = new Map<number, number>();
  readonly #valueIndexes = new Map<string, PayloadValueIndex>();

  constructor(row: CollectionRow) {
    this.uid = row.uid;
    this.name = row.name;
    this.dimension = row.dimension;
    this.distance = row.distance;
    this.payloadIndexes = row.payloadIndexes;
    this.indexSettings = row.index;
    this.version = row.version;
    this.savedVersion = row.savedVersion;
    this.#index = createIndex(row.dimension, row.distance, row.index);
    this.#vectors = new Float32Array(0);
    for (const { key } of row.payloadIndexes) {
      this.#valueIndexes.set(key, new PayloadValueIndex(key));
    }
  }

  /**
   * What the payload indexes make of a filter's `match` and `any` conditions on indexed
   * keys (see {@link IndexedMatches}); undefined when none narrows it.
   */
  indexedMatches(filter: PointFilter | undefined): IndexedMatches | undefined {
    if (this.#valueIndexes.size === 0) return undefined;
    return indexedMatches(this.#valueIndexes, filter, this.#size);
  }

  /** Number of points. */
  get size(): number {
    return this.#size;
  }

  /** The HNSW index. */
  get index(): Index {
    return this.#index;
  }

  /** All vectors, slot after slot (only the first `size × dimension` values are live). */
  get vectors(): Float32Array {
    return this.#vectors;
  }

  /** The slot of a point id, if present. */
  slotOfId(id: string): number | undefined {
    return this.#slotById.get(id);
  }

  /** The slot of an index key, if present. */
  slotOfKey(key: number): number | undefined {
    return this.#slotByKey.get(key);
  }

  /** The point id in a slot. */
  idAt(slot: number): string {
    return this.#ids[slot] as string;
  }

  /** The SQLite key (and index label) in a slot. */
  keyAt(slot: number): number {
    return this.#keys[slot] as number;
  }

  /** The cached, parsed payload in a slot. Callers must not mutate or hand it out. */
  payloadAt(slot: number): JsonObject {
    return this.#payloads[slot] as JsonObject;
  }

  /** A fresh copy of the payload in a slot, safe to hand out. */
  payloadCopy(slot: number): JsonObject {
    return JSON.parse(this.#payloadText[slot] as string) as JsonObject;
  }

  /** The data subject of the point in a slot; undefined for none. */
  subjectAt(slot: number): string | undefined {
    return this.#subjects[slot];
  }

  /** The vector in a slot as a plain array, safe to hand out. */
  vectorCopy(slot: number): number[] {
    const start = slot * this.dimension;
    return Array.from(this.#vectors.subarray(start, start + this.dimension));
  }

  /** Adds a stored point to memory only (while loading; the index is built after). */
  appendStored(
    key: number,
    id: string,
    vectorBytes: Uint8Array,
    payloadText: string,
    subject: string | undefined,
  ): void {
    const slot = this.#newSlot(key, id, payloadText, subject);
    new Uint8Array(this.#vectors.buffer, slot * this.dimension * 4, this.dimension * 4).set(
      vectorBytes,
    );
  }

  /** Replaces the index with one loaded from disk (already checked against the keys). */
  useIndex(index: Index): void {
    this.#index = index;
  }

  /** Rebuilds the index from the vectors in memory. */
  rebuildIndex(): void {
    this.#index = createIndex(this.dimension, this.distance, this.indexSettings);
    this.#tombstones = 0;
    if (this.#size === 0) return;
    this.#index.add(
      BigUint64Array.from(this.#keys, (key) => BigInt(key)),
      this.#vectors.subarray(0, this.#size * this.dimension),
      0,
    );
  }

  /** Whether the index holds exactly this collection's keys. */
  indexMatches(index: Index): boolean {
    if (index.dimensions() !== this.dimension || index.size() !== this.#size) return false;
    if (this.#size === 0) return true;
    const present = index.contains(BigUint64Array.from(this.#keys, (key) => BigInt(key)));
    return Array.isArray(present) && present.every(Boolean);
  }

  /** Applies committed upserts: memory first, then the index (removing replaced keys). */
  applyUpserts(entries: readonly PointEntry[]): void {
    const replaced: bigint[] = [];
    const dimension = this.dimension;
    const batch = new Float32Array(entries.length * dimension);
    entries.forEach((entry, i) => {
      let slot = this.#slotById.get(entry.id);
      if (slot === undefined) {
        slot = this.#newSlot(entry.key, entry.id, entry.payloadText, entry.subject);
      } else {
        replaced.push(BigInt(entry.key));
        this.#unindexPayload(slot);
        this.#payloadText[slot] = entry.payloadText;
        this.#payloads[slot] = JSON.parse(entry.payloadText) as JsonObject;
        this.#subjects[slot] = entry.subject;
        this.#indexPayload(slot);
      }
      this.#vectors.set(entry.vector, slot * dimension);
      batch.set(entry.vector, i * dimension);
    });
    if (replaced.length > 0) this.#index.remove(BigUint64Array.from(replaced));
    if (entries.length > 0) {
      this.#index.add(
        BigUint64Array.from(entries, (entry) => BigInt(entry.key)),
        batch,
        0,
      );
    }
    this.#tombstones = Math.max(0, this.#tombstones - (entries.length - replaced.length));
  }

  /** Removes committed deletes from memory and the index. */
  applyDeletes(keys: readonly number[]): void {
    if (keys.length === 0) return;
    for (const key of keys) this.#removeSlot(key);
    this.#index.remove(BigUint64Array.from(keys, (key) => BigInt(key)));
    this.#tombstones += keys.length;
    if (this.#tombstones > Math.max(tombstoneCompactionMin, this.#size)) this.rebuildIndex();
  }

  #newSlot(key: number, id: string, payloadText: string, subject: string | undefined): number {
    const slot = this.#size++;
    this.#ensureCapacity(this.#size);
    this.#ids[slot] = id;
    this.#keys[slot] = key;
    this.#payloadText[slot] = payloadText;
    this.#payloads[slot] = JSON.parse(payloadText) as JsonObject;
    this.#subjects[slot] = subject;
    this.#indexPayload(slot);
    this.#slotById.set(id, slot);
    this.#slotByKey.set(key, slot);
    return slot;
  }

  #indexPayload(slot: number): void {
    const payload = this.#payloads[slot] as JsonObject;
    for (const index of this.#valueIndexes.values()) index.add(slot, payload);
  }

  #unindexPayload(slot: number): void {
    const payload = this.#payloads[slot] as JsonObject;
    for (const index of this.#valueIndexes.values()) index.remove(slot, payload);
  }

  #removeSlot(key: number): void {
    const slot = this.#slotByKey.get(key);
    if (slot === undefined) return;
    const last = --this.#size;
    const id = this.#ids[slot] as string;
    this.#unindexPayload(slot);
    this.#slotById.delete(id);
    this.#slotByKey.delete(key);
    if (slot !== last) {
      const movedId = this.#ids[last] as string;
      const movedKey = this.#keys[last] as number;
      this.#ids[slot] = movedId;
      this.#keys[slot] = movedKey;
      this.#payloadText[slot] = this.#payloadText[last] as string;
      this.#payloads[slot] = this.#payloads[last] as JsonObject;
      this.#subjects[slot] = this.#subjects[last];
      for (const index of this.#valueIndexes.values())
        index.move(last, slot, this.#payloads[slot] as JsonObject);
      this.#vectors.copyWithin(
        slot * this.dimension,
        last * this.dimension,
        (last + 1) * this.dimension,
      );
      this.#slotById.set(movedId, slot);
      this.#slotByKey.set(movedKey, slot);
    }
    this.#ids.length = last;
    this.#keys.length = last;
    this.#payloadText.length = last;
    this.#payloads.length = last;
    this.#subjects.length = last;
  }

  #ensureCapacity(points: number): void {
    const needed = points * this.dimension;
    if (needed <= this.#vectors.length) return;
    const grown = new Float32Array(Math.max(needed, this.#vectors.length * 2, 64 * this.dimension));
    grown.set(this.#vectors);
    this.#vectors = grown;
  }
}
