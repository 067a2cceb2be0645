import type { DeleteRequest, Point, VectorsService } from "../../../gen/ragplane/v1/vectors_pb.js";
import { limits } from "../../limits.js";
import { checkMaxAge } from "../../retention/max-age.js";
import { Violations } from "../../validation/violations.js";
import type { ServiceValidators } from "../handlers.js";
import {
  checkFilter,
  checkPayload,
  checkPayloadIndexes,
  checkSensitiveFields,
  checkVector,
} from "./checks.js";
import { indexSettingLimits, knownDistances } from "./convert.js";
import { decodeCursor, decodePageToken } from "./tokens.js";

/**
 * Request validators of VectorsService. Field paths use the proto's snake_case names
 * (`points[2].vector[5]`, `filter.must_not[0].key`), as `google.rpc.BadRequest` expects.
 * Whether a vector's length matches its collection is the store's check
 * (FAILED_PRECONDITION), since only the store knows the collection.
 */
export const vectorsValidators: ServiceValidators<typeof VectorsService.method> = {
  createCollection(request) {
    const v = new Violations();
    v.name("name", request.name);
    if (request.dimension < 1 || request.dimension > limits.maxDimension) {
      v.add("dimension", `must be 1 to ${limits.maxDimension}`);
    }
    v.enumValue("distance", request.distance, knownDistances);
    checkPayloadIndexes(v, "payload_indexes", request.payloadIndexes);
    checkSensitiveFields(v, "sensitive_fields", request.sensitiveFields, request.payloadIndexes);
    checkMaxAge(v, "max_age", request.maxAge);
    const index = request.index;
    if (index !== undefined) {
      const { m, efConstruct } = indexSettingLimits;
      if (index.hnswM !== 0 && (index.hnswM < m.min || index.hnswM > m.max))
        v.add("index.hnsw_m", `must be 0 (the default) or ${m.min} to ${m.max}`);
      if (
        index.hnswEfConstruct !== 0 &&
        (index.hnswEfConstruct < efConstruct.min || index.hnswEfConstruct > efConstruct.max)
      )
        v.add(
          "index.hnsw_ef_construct",
          `must be 0 (the default) or ${efConstruct.min} to ${efConstruct.max}`,
        );
    }
    return v.list;
  },

  setCollectionRetention(request) {
    const v = new Violations();
    v.name("name", request.name);
    checkMaxAge(v, "max_age", request.maxAge);
    return v.list;
  },

  listCollections(request) {
    const v = new Violations();
    v.atMost("page_size", request.pageSize, limits.maxPageSize);
    if (decodePageToken(request.pageToken).kind === "invalid") {
      v.add("page_token", "is not a token returned by ListCollections");
    }
    return v.list;
  },

  getCollection(request) {
    const v = new Violations();
    v.name("name", request.name);
    return v.list;
  },

  deleteCollection(request) {
    const v = new Violations();
    v.name("name", request.name);
    return v.list;
  },

  upsert(request) {
    const v = new Violations();
    v.name("collection", request.collection);
    checkPoints(v, request.points);
    return v.list;
  },

  upsertStream(request) {
    const v = new Violations();
    v.name("collection", request.collection);
    checkPoints(v, request.points);
    return v.list;
  },

  search(request) {
    const v = new Violations();
    v.name("collection", request.collection);
    checkVector(v, "vector", request.vector);
    v.atMost("limit", request.limit, limits.maxPageSize);
    checkFilter(v, "filter", request.filter);
    if (request.scoreThreshold !== undefined && Number.isNaN(request.scoreThreshold)) {
      v.add("score_threshold", "must be a number");
    }
    v.atMost("hnsw_ef", request.hnswEf, indexSettingLimits.searchEf.max);
    return v.list;
  },

  get(request) {
    const v = new Violations();
    v.name("collection", request.collection);
    if (v.batch("ids", request.ids.length)) {
      checkIds(v, request.ids);
    }
    return v.list;
  },

  delete(request) {
    const v = new Violations();
    v.name("collection", request.collection);
    const byIds = request.ids.length > 0;
    const byFilter = request.filter !== undefined;
    if (byIds === byFilter) {
      v.add(byIds ? "filter" : "ids", "exactly one of ids and filter must be set");
    } else if (byIds && v.batch("ids", request.ids.length)) {
      checkIds(v, request.ids);
    } else if (byFilter && isEmptyFilter(request.filter)) {
      v.add("filter", "must hold at least one condition (DeleteCollection drops everything)");
    }
    checkFilter(v, "filter", request.filter);
    return v.list;
  },

  count(request) {
    const v = new Violations();
    v.name("collection", request.collection);
    checkFilter(v, "filter", request.filter);
    return v.list;
  },

  scroll(request) {
    const v = new Violations();
    v.name("collection", request.collection);
    checkFilter(v, "filter", request.filter);
    v.atMost("limit", request.limit, limits.maxPageSize);
    if (decodeCursor(request.cursor).kind === "invalid") {
      v.add("cursor", "is not a cursor returned by Scroll");
    }
    return v.list;
  },

  putAlias(request) {
    const v = new Violations();
    v.name("alias", request.alias);
    v.name("collection", request.collection);
    return v.list;
  },

  deleteAlias(request) {
    const v = new Violations();
    v.name("alias", request.alias);
    return v.list;
  },

  listAliases(request) {
    const v = new Violations();
    v.atMost("page_size", request.pageSize, limits.maxPageSize);
    if (decodePageToken(request.pageToken).kind === "invalid") {
      v.add("page_token", "is not a token returned by ListAliases");
    }
    return v.list;
  },
};

function checkPoints(v: Violations, points: readonly Point[]): void {
  if (!v.batch("points", points.length)) return;
  const firstIndex = new Map<string, number>();
  points.forEach((point, i) => {
    const path = `points[${i}]`;
    if (v.id(`${path}.id`, point.id)) {
      const first = firstIndex.get(point.id);
      if (first === undefined) firstIndex.set(point.id, i);
      else v.add(`${path}.id`, `repeats the id of points[${first}]`);
    }
    checkVector(v, `${path}.vector`, point.vector);
    checkPayload(v, `${path}.payload`, point.payload);
    v.subject(`${path}.subject`, point.subject);
  });
}

function checkIds(v: Violations, ids: readonly string[]): void {
  ids.forEach((id, i) => {
    v.id(`ids[${i}]`, id);
  });
}

function isEmptyFilter(filter: DeleteRequest["filter"]): boolean {
  return (
    filter === undefined || filter.must.length + filter.should.length + filter.mustNot.length === 0
  );
}
