import { NotFoundError } from "../../../clients/errors.js";
import type { VectorStore } from "../../../clients/vectors/port.js";
import type { VectorsService } from "../../../gen/ragplane/v1/vectors_pb.js";
import { toMaxAgeMs } from "../../retention/max-age.js";
import type { ServiceHandlers } from "../handlers.js";
import { createAliasHandlers } from "./aliases.js";
import {
  toCollectionInit,
  toDistance,
  toHitInit,
  toIndexSettings,
  toPayloadIndex,
  toPointFilter,
  toPointInit,
  toPointInput,
} from "./convert.js";
import { decodeCursor, decodePageToken, encodePosition, type Position } from "./tokens.js";

/** Collections per ListCollections page when `page_size` is 0. */
export const defaultCollectionPageSize = 100;
/** Hits per Search when `limit` is 0. */
export const defaultSearchLimit = 10;
/** Points per Scroll page when `limit` is 0. */
export const defaultScrollLimit = 100;

/**
 * The VectorsService implementation: converts messages to the `VectorStore` port's types
 * and back, scoping every call to the caller's tenant. Requests have passed
 * `vectorsValidators`; the port's domain errors propagate to the error-mapping
 * interceptor. Page tokens and cursors are opaque (base64url of the last name or id).
 */
export function createVectorsService(
  store: VectorStore,
): ServiceHandlers<typeof VectorsService.method> {
  return {
    async createCollection(request, { tenant, signal }) {
      const maxAgeMs = toMaxAgeMs(request.maxAge);
      const collection = await store.createCollection(
        tenant,
        {
          name: request.name,
          dimension: request.dimension,
          distance: toDistance(request.distance),
          payloadIndexes: request.payloadIndexes.map(toPayloadIndex),
          index: toIndexSettings(request.index),
          sensitiveFields: request.sensitiveFields,
          ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
        },
        signal,
      );
      return { collection: toCollectionInit(collection) };
    },

    async setCollectionRetention(request, { tenant, signal }) {
      const collection = await store.setMaxAge(
        tenant,
        request.name,
        toMaxAgeMs(request.maxAge),
        signal,
      );
      return { collection: toCollectionInit(collection) };
    },

    async listCollections(request, { tenant, signal }) {
      const after = validPosition(decodePageToken(request.pageToken), "page_token");
      const limit = request.pageSize === 0 ? defaultCollectionPageSize : request.pageSize;
      const page = await store.listCollections(
        tenant,
        after === undefined ? { limit } : { limit, after },
        signal,
      );
      return {
        collections: page.collections.map(toCollectionInit),
        nextPageToken: page.nextAfter === undefined ? "" : encodePosition(page.nextAfter),
      };
    },

    async getCollection(request, { tenant, signal }) {
      return {
        collection: toCollectionInit(await store.getCollection(tenant, request.name, signal)),
      };
    },

    async deleteCollection(request, { tenant, signal }) {
      const deleted = await store.deleteCollection(tenant, request.name, signal);
      if (!deleted && !request.allowMissing) throw new NotFoundError("collection", request.name);
      return { deleted };
    },

    async upsert(request, { tenant, signal }) {
      const points = request.points.map(toPointInput);
      return { upserted: await store.upsert(tenant, request.collection, points, signal) };
    },

    async upsertStream(requests, { tenant, signal }) {
      let upserted = 0n;
      let batches = 0;
      for await (const request of requests) {
        const points = request.points.map(toPointInput);
        upserted += BigInt(await store.upsert(tenant, request.collection, points, signal));
        batches++;
      }
      return { upserted, batches };
    },

    async search(request, { tenant, signal }) {
      const filter = toPointFilter(request.filter);
      const hits = await store.search(
        tenant,
        request.collection,
        {
          vector: request.vector,
          limit: request.limit === 0 ? defaultSearchLimit : request.limit,
          withPayload: request.withPayload || request.withLineage,
          withVector: request.withVector,
          exact: request.exact,
          ...(request.hnswEf === 0 ? {} : { hnswEf: request.hnswEf }),
          ...(filter === undefined ? {} : { filter }),
          ...(request.scoreThreshold === undefined
            ? {}
            : { scoreThreshold: request.scoreThreshold }),
        },
        signal,
      );
      return { hits: hits.map((hit) => toHitInit(hit, request)) };
    },

    async get(request, { tenant, signal }) {
      const points = await store.get(
        tenant,
        request.collection,
        request.ids,
        { withVector: request.withVector },
        signal,
      );
      return { points: points.map(toPointInit) };
    },

    async delete(request, { tenant, signal }) {
      const filter = toPointFilter(request.filter);
      const selector = filter === undefined ? { ids: request.ids } : { filter };
      return { deleted: BigInt(await store.delete(tenant, request.collection, selector, signal)) };
    },

    async count(request, { tenant, signal }) {
      const filter = toPointFilter(request.filter);
      return { count: BigInt(await store.count(tenant, request.collection, filter, signal)) };
    },

    async scroll(request, { tenant, signal }) {
      const after = validPosition(decodeCursor(request.cursor), "cursor");
      const filter = toPointFilter(request.filter);
      const page = await store.scroll(
        tenant,
        request.collection,
        {
          limit: request.limit === 0 ? defaultScrollLimit : request.limit,
          withPayload: request.withPayload,
          withVector: request.withVector,
          ...(filter === undefined ? {} : { filter }),
          ...(after === undefined ? {} : { after }),
        },
        signal,
      );
      return {
        points: page.points.map(toPointInit),
        nextCursor: page.nextAfter === undefined ? "" : encodePosition(page.nextAfter),
      };
    },

    ...createAliasHandlers(store),
  };
}

function validPosition(position: Position, field: string): string | undefined {
  if (position.kind === "invalid") throw new RangeError(`${field} was not validated`);
  return position.after;
}
