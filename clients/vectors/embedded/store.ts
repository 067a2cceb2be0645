import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  AlreadyExistsError,
  EngineUnavailableError,
  NotFoundError,
  throwIfAborted,
} from "../../errors.js";
import type { EngineHealth } from "../../health.js";
import type { Snapshottable } from "../../snapshot.js";
import { aliasIsNotCollectionError, collectionHasAliasesError } from "../alias-errors.js";
import type { PointFilter } from "../filter.js";
import type {
  AliasPage,
  CollectionDetails,
  CollectionInfo,
  CollectionMaxAge,
  CollectionPage,
  CollectionSpec,
  PointInput,
  PointPage,
  PointSelector,
  ScoredPoint,
  ScrollQuery,
  SearchQuery,
  StoredPoint,
  VectorStore,
} from "../port.js";
import { IndexSearchBatcher } from "./batch.js";
import type { LoadedCollection } from "./collection.js";
import { type CollectionRow, VectorDb } from "./db.js";
import { preparePoints, vectorBytes } from "./input.js";
import { loadCollection, removeSavedIndex, saveCollection } from "./persistence.js";
import { countPoints, getPoints, scrollPoints, searchPoints, selectKeys } from "./reads.js";
import { SearchScratch } from "./scratch.js";
import { copyVectorStore, indexDirectoryName, vectorsDatabaseFile } from "./snapshot.js";

/** Options of the embedded vector store. */
export interface EmbeddedVectorStoreOptions {
  /** Directory for `vectors.sqlite` and the saved indexes (`vector-indexes/`); created if missing. */
  readonly dataDir: string;
  /** The clock that stamps each point's write time (ms since the epoch); `Date.now` by default. */
  readonly now?: () => number;
}

const engine = "embedded vector store";

/**
 * The embedded {@link VectorStore}: SQLite (better-sqlite3) is the source of truth, and
 * each collection is held in memory with a usearch HNSW index, loaded on first use. Each
 * write commits to SQLite first, in one transaction, and is then applied to memory, so a
 * rejected batch changes nothing. Indexes are saved on close and reused at the next load
 * when still current; otherwise they are rebuilt from SQLite. One process owns a data
 * directory at a time (SQLite exclusive locking).
 */
export class EmbeddedVectorStore implements VectorStore, Snapshottable {
  readonly #db: VectorDb;
  readonly #indexDir: string;
  readonly #loaded = new Map<string, Map<string, LoadedCollection>>();
  readonly #scratch = new SearchScratch();
  /** Unfiltered HNSW searches of this turn; flushed before any write to memory. */
  readonly #batcher = new IndexSearchBatcher();
  readonly #now: () => number;
  #closed = false;

  private constructor(db: VectorDb, indexDir: string, now: () => number) {
    this.#db = db;
    this.#indexDir = indexDir;
    this.#now = now;
  }

  /** Opens the store in `dataDir`, creating it if needed. */
  static async open(options: EmbeddedVectorStoreOptions): Promise<EmbeddedVectorStore> {
    const indexDir = join(options.dataDir, indexDirectoryName);
    mkdirSync(indexDir, { recursive: true });
    return new EmbeddedVectorStore(
      VectorDb.open(join(options.dataDir, vectorsDatabaseFile)),
      indexDir,
      options.now ?? Date.now,
    );
  }

  async createCollection(
    tenant: string,
    spec: CollectionSpec,
    signal?: AbortSignal,
  ): Promise<CollectionInfo> {
    this.#check(signal);
    if (this.#db.findCollection(tenant, spec.name)) {
      throw new AlreadyExistsError("collection", spec.name);
    }
    if (this.#db.aliases.resolve(tenant, spec.name) !== undefined) {
      throw new AlreadyExistsError("alias", spec.name);
    }
    const row = this.#db.insertCollection(
      tenant,
      spec.name,
      spec.dimension,
      spec.distance,
      spec.payloadIndexes ?? [],
      spec.index,
      spec.sensitiveFields ?? [],
    );
    if (spec.maxAgeMs === undefined) return describe(row);
    this.#db.retention.setMaxAge(row.uid, spec.maxAgeMs);
    return { ...describe(row), maxAgeMs: spec.maxAgeMs };
  }

  async listCollections(
    tenant: string,
    page: { readonly limit: number; readonly after?: string },
    signal?: AbortSignal,
  ): Promise<CollectionPage> {
    this.#check(signal);
    const rows = this.#db.listCollections(tenant, page.after ?? "", page.limit + 1);
    const collections = rows.slice(0, page.limit).map(describe);
    const last = collections.at(-1);
    return rows.length > page.limit && last
      ? { collections, nextAfter: last.name }
      : { collections };
  }

  async getCollection(
    tenant: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<CollectionDetails> {
    this.#check(signal);
    const row = this.#db.findCollection(tenant, this.#db.aliases.resolve(tenant, name) ?? name);
    if (!row) throw new NotFoundError("collection", name);
    const loaded = this.#loaded.get(tenant)?.get(row.name);
    return { ...describe(row), pointCount: loaded?.size ?? this.#db.countPoints(row.uid) };
  }

  async deleteCollection(tenant: string, name: string, signal?: AbortSignal): Promise<boolean> {
    this.#check(signal);
    this.#batcher.flush();
    const target = this.#db.aliases.resolve(tenant, name);
    if (target !== undefined) throw aliasIsNotCollectionError(name, target);
    const aliases = this.#db.aliases.pointingAt(tenant, name);
    if (aliases.length > 0) throw collectionHasAliasesError(name, aliases);
    const row = this.#db.findCollection(tenant, name);
    if (!row) return false;
    this.#db.deleteCollection(row.uid);
    this.#loaded.get(tenant)?.delete(name);
    removeSavedIndex(this.#indexDir, row.uid);
    return true;
  }

  async upsert(
    tenant: string,
    collection: string,
    points: readonly PointInput[],
    signal?: AbortSignal,
  ): Promise<number> {
    this.#check(signal);
    this.#batcher.flush();
    const target = this.#collection(tenant, collection);
    const prepared = preparePoints(points, target.dimension, target.distance);
    if (prepared.length === 0) return 0;
    const { keys, version } = this.#db.upsertPoints(
      target.uid,
      prepared.map((point) => ({
        id: point.id,
        vector: vectorBytes(point.vector),
        payload: point.payloadText,
        subject: point.subject ?? null,
      })),
      this.#now(),
    );
    this.#apply(tenant, target, version, () =>
      target.applyUpserts(prepared.map((point, i) => ({ ...point, key: keys[i] as number }))),
    );
    return prepared.length;
  }

  async search(
    tenant: string,
    collection: string,
    query: SearchQuery,
    signal?: AbortSignal,
  ): Promise<ScoredPoint[]> {
    this.#check(signal);
    return searchPoints(this.#collection(tenant, collection), this.#scratch, this.#batcher, query);
  }

  async get(
    tenant: string,
    collection: string,
    ids: readonly string[],
    options: { readonly withVector: boolean },
    signal?: AbortSignal,
  ): Promise<StoredPoint[]> {
    this.#check(signal);
    return getPoints(this.#collection(tenant, collection), ids, options.withVector);
  }

  async delete(
    tenant: string,
    collection: string,
    selector: PointSelector,
    signal?: AbortSignal,
  ): Promise<number> {
    this.#check(signal);
    this.#batcher.flush();
    const target = this.#collection(tenant, collection);
    const keys =
      "subject" in selector
        ? [...this.#db.keysOfSubject(target.uid, selector.subject)]
        : selectKeys(target, selector);
    if (keys.length === 0) return 0;
    const version = this.#db.deletePoints(target.uid, keys);
    this.#apply(tenant, target, version, () => target.applyDeletes(keys));
    return keys.length;
  }

  async count(
    tenant: string,
    collection: string,
    filter?: PointFilter,
    signal?: AbortSignal,
  ): Promise<number> {
    this.#check(signal);
    return countPoints(this.#collection(tenant, collection), filter);
  }

  async scroll(
    tenant: string,
    collection: string,
    query: ScrollQuery,
    signal?: AbortSignal,
  ): Promise<PointPage> {
    this.#check(signal);
    const target = this.#collection(tenant, collection);
    const after = query.after ?? "";
    const keys =
      query.subject === undefined
        ? this.#db.keysInIdOrder(target.uid, after)
        : this.#db.keysOfSubject(target.uid, query.subject, after);
    return scrollPoints(target, keys, query);
  }

  async putAlias(
    tenant: string,
    alias: string,
    collection: string,
    signal?: AbortSignal,
  ): Promise<{ readonly previous?: string }> {
    this.#check(signal);
    if (this.#db.findCollection(tenant, alias)) throw new AlreadyExistsError("collection", alias);
    const target = this.#db.findCollection(tenant, collection);
    if (!target) throw new NotFoundError("collection", collection);
    const previous = this.#db.aliases.put(tenant, alias, target.uid, target.name);
    return previous === undefined ? {} : { previous };
  }

  async deleteAlias(tenant: string, alias: string, signal?: AbortSignal): Promise<boolean> {
    this.#check(signal);
    return this.#db.aliases.delete(tenant, alias);
  }

  async listAliases(
    tenant: string,
    page: { readonly limit: number; readonly after?: string },
    signal?: AbortSignal,
  ): Promise<AliasPage> {
    this.#check(signal);
    return this.#db.aliases.page(tenant, page);
  }

  async setMaxAge(
    tenant: string,
    name: string,
    maxAgeMs: number | undefined,
    signal?: AbortSignal,
  ): Promise<CollectionInfo> {
    this.#check(signal);
    const row = this.#db.findCollection(tenant, this.#db.aliases.resolve(tenant, name) ?? name);
    if (!row) throw new NotFoundError("collection", name);
    this.#db.retention.setMaxAge(row.uid, maxAgeMs);
    const { maxAgeMs: _previous, ...rest } = describe(row);
    return maxAgeMs === undefined ? rest : { ...rest, maxAgeMs };
  }

  async listMaxAges(signal?: AbortSignal): Promise<CollectionMaxAge[]> {
    this.#check(signal);
    return this.#db.retention.listMaxAges();
  }

  async deleteWrittenBefore(
    tenant: string,
    collection: string,
    beforeMs: number,
    limit: number,
    signal?: AbortSignal,
  ): Promise<number> {
    this.#check(signal);
    this.#batcher.flush();
    const target = this.#collection(tenant, collection);
    const keys = this.#db.retention.keysWrittenBefore(target.uid, beforeMs, limit);
    if (keys.length === 0) return 0;
    const version = this.#db.deletePoints(target.uid, keys);
    this.#apply(tenant, target, version, () => target.applyDeletes(keys));
    return keys.length;
  }

  /** The collections whose HNSW index is in memory now, and the points they hold. */
  indexStats(): { readonly collections: number; readonly points: number } {
    let collections = 0;
    let points = 0;
    for (const tenantCollections of this.#loaded.values()) {
      for (const collection of tenantCollections.values()) {
        collections += 1;
        points += collection.size;
      }
    }
    return { collections, points };
  }

  /**
   * Copies the store into `targetDir` while it keeps serving: first saves every loaded
   * index that changed since its last save (as `close` does), then copies the database
   * and the indexes that match it (see `copyVectorStore`). A store opened on the copy
   * loads those indexes instead of rebuilding them from the points at first use.
   */
  async snapshot(targetDir: string, signal?: AbortSignal): Promise<void> {
    this.#check(signal);
    this.#batcher.flush();
    this.#saveLoaded();
    await copyVectorStore(this.#db, this.#indexDir, targetDir, signal);
  }

  async health(): Promise<EngineHealth> {
    if (this.#closed) return { ok: false, detail: "closed" };
    try {
      return this.#db.ping() ? { ok: true } : { ok: false, detail: "database check failed" };
    } catch {
      return { ok: false, detail: "database check failed" };
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#batcher.flush();
    this.#closed = true;
    this.#saveLoaded();
    this.#loaded.clear();
    this.#db.close();
  }

  #saveLoaded(): void {
    for (const collections of this.#loaded.values()) {
      for (const collection of collections.values()) {
        try {
          saveCollection(this.#db, collection, this.#indexDir);
        } catch {
          // An unsaved index is rebuilt from SQLite at the next load.
        }
      }
    }
  }

  #check(signal: AbortSignal | undefined): void {
    if (this.#closed) throw new EngineUnavailableError(engine);
    throwIfAborted(signal);
  }

  /**
   * The collection the tenant calls `name`, or that its alias `name` points to, loaded
   * into memory on first use. A collection's own name is found with one map lookup; an
   * alias with two more.
   */
  #collection(tenant: string, name: string): LoadedCollection {
    let collections = this.#loaded.get(tenant);
    const loaded = collections?.get(name);
    if (loaded) return loaded;
    const target = this.#db.aliases.resolve(tenant, name);
    const aliased = target === undefined ? undefined : collections?.get(target);
    if (aliased) return aliased;
    const row = this.#db.findCollection(tenant, target ?? name);
    if (!row) throw new NotFoundError("collection", name);
    const collection = loadCollection(this.#db, row, this.#indexDir);
    if (!collections) {
      collections = new Map();
      this.#loaded.set(tenant, collections);
    }
    collections.set(row.name, collection);
    return collection;
  }

  /**
   * Applies a committed write to memory. Should that fail, the collection is dropped from
   * memory and reloaded from SQLite on next use, so memory never drifts from disk.
   */
  #apply(tenant: string, collection: LoadedCollection, version: number, change: () => void): void {
    try {
      change();
      collection.version = version;
    } catch (error) {
      this.#loaded.get(tenant)?.delete(collection.name);
      throw error;
    }
  }
}

function describe(row: CollectionRow): CollectionInfo {
  return {
    name: row.name,
    dimension: row.dimension,
    distance: row.distance,
    payloadIndexes: row.payloadIndexes,
    index: row.index,
    ...(row.maxAgeMs === undefined ? {} : { maxAgeMs: row.maxAgeMs }),
    sensitiveFields: row.sensitiveFields,
  };
}
