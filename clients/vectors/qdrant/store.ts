import { QdrantClient } from "@qdrant/js-client-rest";
import { EngineUnavailableError, throwIfAborted } from "../../errors.js";
import type { EngineHealth } from "../../health.js";
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
import { deleteAlias, listAliases, putAlias } from "./aliases.js";
import { QdrantCaller } from "./call.js";
import { deleteCollection, getCollection, listCollections } from "./collections.js";
import type { QdrantContext } from "./context.js";
import { createCollection } from "./create.js";
import { engine } from "./errors.js";
import { QdrantHttp } from "./http.js";
import { type QdrantVectorStoreOptions, resolveOptions } from "./options.js";
import { countPoints, deletePoints, getPoints, upsertPoints } from "./points.js";
import { qdrantPolicy } from "./policy.js";
import { deleteWrittenBefore, listMaxAges, setMaxAge } from "./retention.js";
import { scrollPoints } from "./scroll.js";
import { searchPoints } from "./search.js";
import { ShapeCache } from "./shape-cache.js";
import { isCompatibleQdrant, QdrantVersionError, qdrantClientVersion } from "./version.js";

export type { QdrantVectorStoreOptions } from "./options.js";

/**
 * The {@link VectorStore} on Qdrant (REST, `@qdrant/js-client-rest` 1.18; Qdrant 1.11 or
 * later for tenant indexes).
 *
 * Layout (layout.ts): every tenant's collections of one vector shape share one Qdrant
 * collection, partitioned by a scope payload key indexed with `is_tenant` that every
 * request filters by; a catalog collection records each logical collection. Point ids
 * are UUIDv5 of (tenant, collection, id) (ids.ts) with the id kept in the payload,
 * beside the caller's payload, which is stored whole under one key (payload.ts). An
 * alias is a catalog record too, under the id its name would have as a collection
 * (aliases.ts); names resolve through the shape cache (context.ts).
 *
 * Every request carries the caller's signal and its own timeout; idempotent ones are
 * retried after transient failures; writes use `wait: true`. Errors are the domain
 * errors of clients/errors.ts (errors.ts maps them).
 */
export class QdrantVectorStore implements VectorStore {
  readonly #ctx: QdrantContext;
  #closed = false;

  private constructor(ctx: QdrantContext) {
    this.#ctx = ctx;
  }

  /**
   * Builds the client and checks that Qdrant answers (`GET /`) with a version this client
   * supports (same major, minor at most one apart, Qdrant's rule): `EngineUnavailableError`
   * or `EngineTimeoutError` when it does not answer, `QdrantVersionError` when its version
   * does not fit. The check is ours rather than the client's, which only prints a warning.
   */
  static async connect(options: QdrantVectorStoreOptions): Promise<QdrantVectorStore> {
    const settings = resolveOptions(options);
    const client = new QdrantClient({
      url: settings.url,
      ...(settings.apiKey === undefined ? {} : { apiKey: settings.apiKey }),
      checkCompatibility: false,
      timeout: Number.POSITIVE_INFINITY,
      maxConnections: settings.maxConnections,
    });
    const policy =
      options.policy ??
      qdrantPolicy({
        timeoutMs: settings.timeoutMs,
        retries: settings.retries,
        retryDelayMs: settings.retryDelayMs,
      });
    const http = new QdrantHttp({
      url: settings.url,
      apiKey: settings.apiKey,
      connections: settings.maxConnections,
    });
    const caller = new QdrantCaller(client.api(), policy, http);
    try {
      const { data } = await caller.run((api, init) => api.root({}, init), { idempotent: false });
      if (!isCompatibleQdrant(data.version, qdrantClientVersion))
        throw new QdrantVersionError(data.version, qdrantClientVersion);
    } catch (error) {
      await http.close();
      throw error;
    }
    return new QdrantVectorStore({
      caller,
      prefix: settings.collectionPrefix,
      shapes: new ShapeCache(settings.shapeCacheMs),
      ready: new Set(),
      now: options.now ?? Date.now,
    });
  }

  async createCollection(
    tenant: string,
    spec: CollectionSpec,
    signal?: AbortSignal,
  ): Promise<CollectionInfo> {
    return createCollection(this.#enter(signal), tenant, spec, signal);
  }

  async listCollections(
    tenant: string,
    page: { readonly limit: number; readonly after?: string },
    signal?: AbortSignal,
  ): Promise<CollectionPage> {
    return listCollections(this.#enter(signal), tenant, page, signal);
  }

  async getCollection(
    tenant: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<CollectionDetails> {
    return getCollection(this.#enter(signal), tenant, name, signal);
  }

  async deleteCollection(tenant: string, name: string, signal?: AbortSignal): Promise<boolean> {
    return deleteCollection(this.#enter(signal), tenant, name, signal);
  }

  async upsert(
    tenant: string,
    collection: string,
    points: readonly PointInput[],
    signal?: AbortSignal,
  ): Promise<number> {
    return upsertPoints(this.#enter(signal), tenant, collection, points, signal);
  }

  async search(
    tenant: string,
    collection: string,
    query: SearchQuery,
    signal?: AbortSignal,
  ): Promise<ScoredPoint[]> {
    return searchPoints(this.#enter(signal), tenant, collection, query, signal);
  }

  async get(
    tenant: string,
    collection: string,
    ids: readonly string[],
    options: { readonly withVector: boolean },
    signal?: AbortSignal,
  ): Promise<StoredPoint[]> {
    return getPoints(this.#enter(signal), tenant, collection, ids, options.withVector, signal);
  }

  async delete(
    tenant: string,
    collection: string,
    selector: PointSelector,
    signal?: AbortSignal,
  ): Promise<number> {
    return deletePoints(this.#enter(signal), tenant, collection, selector, signal);
  }

  async count(
    tenant: string,
    collection: string,
    filter?: PointFilter,
    signal?: AbortSignal,
  ): Promise<number> {
    return countPoints(this.#enter(signal), tenant, collection, filter, signal);
  }

  async scroll(
    tenant: string,
    collection: string,
    query: ScrollQuery,
    signal?: AbortSignal,
  ): Promise<PointPage> {
    return scrollPoints(this.#enter(signal), tenant, collection, query, signal);
  }

  async putAlias(
    tenant: string,
    alias: string,
    collection: string,
    signal?: AbortSignal,
  ): Promise<{ readonly previous?: string }> {
    return putAlias(this.#enter(signal), tenant, alias, collection, signal);
  }

  async deleteAlias(tenant: string, alias: string, signal?: AbortSignal): Promise<boolean> {
    return deleteAlias(this.#enter(signal), tenant, alias, signal);
  }

  async listAliases(
    tenant: string,
    page: { readonly limit: number; readonly after?: string },
    signal?: AbortSignal,
  ): Promise<AliasPage> {
    return listAliases(this.#enter(signal), tenant, page, signal);
  }

  async setMaxAge(
    tenant: string,
    name: string,
    maxAgeMs: number | undefined,
    signal?: AbortSignal,
  ): Promise<CollectionInfo> {
    return setMaxAge(this.#enter(signal), tenant, name, maxAgeMs, signal);
  }

  async listMaxAges(signal?: AbortSignal): Promise<CollectionMaxAge[]> {
    return listMaxAges(this.#enter(signal), signal);
  }

  async deleteWrittenBefore(
    tenant: string,
    collection: string,
    beforeMs: number,
    limit: number,
    signal?: AbortSignal,
  ): Promise<number> {
    return deleteWrittenBefore(this.#enter(signal), tenant, collection, beforeMs, limit, signal);
  }

  /**
   * Asks Qdrant's `GET /healthz` through the policy (no retries, the configured timeout):
   * while the breaker is open it reports so without calling, and once the breaker lets a
   * probe through, this check is that probe.
   */
  async health(): Promise<EngineHealth> {
    if (this.#closed) return { ok: false, detail: "closed" };
    try {
      await this.#ctx.caller.run((api, init) => api.healthz({}, init), { idempotent: false });
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : "qdrant check failed" };
    }
  }

  /**
   * Stops accepting calls. The client's keep-alive connections are not exposed by it;
   * they close when idle (undici lets idle sockets not hold the process).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#ctx.caller.http.close();
  }

  #enter(signal: AbortSignal | undefined): QdrantContext {
    if (this.#closed) throw new EngineUnavailableError(engine);
    throwIfAborted(signal);
    return this.#ctx;
  }
}
