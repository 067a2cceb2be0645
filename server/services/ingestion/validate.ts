import type { IngestionService } from "../../../gen/ragplane/v1/ingestion_pb.js";
import { defaultDeadLetterTopic } from "../../ingestion/settings.js";
import { limits } from "../../limits.js";
import { Violations } from "../../validation/violations.js";
import { decodePageToken } from "../events/page-token.js";
import type { ServiceValidators } from "../handlers.js";
import { checkPayloadIndexes } from "../vectors/checks.js";
import { indexSettingLimits, knownDistances } from "../vectors/convert.js";

/**
 * Request validators of IngestionService. Field paths use the proto's snake_case names.
 * Whether the topic and the collection exist is the service's check (NOT_FOUND).
 */
export const ingestionValidators: ServiceValidators<typeof IngestionService.method> = {
  putIngestion(request) {
    const v = new Violations();
    const topicOk = v.name("topic", request.topic);
    if (request.collection !== "") v.name("collection", request.collection);
    else if (!request.graph) {
      v.add("collection", "must be set when graph is false: the ingestion would write nothing");
    }
    if (request.deadLetterTopic !== "") {
      if (
        v.name("dead_letter_topic", request.deadLetterTopic) &&
        request.deadLetterTopic === request.topic
      ) {
        v.add("dead_letter_topic", "must differ from topic");
      }
    } else if (topicOk && defaultDeadLetterTopic(request.topic).length > limits.maxNameLength) {
      v.add(
        "dead_letter_topic",
        `must be set when topic is too long for "${defaultDeadLetterTopic("<topic>")}"`,
      );
    }
    return v.list;
  },

  getIngestion(request) {
    const v = new Violations();
    v.name("topic", request.topic);
    return v.list;
  },

  listIngestions(request) {
    const v = new Violations();
    v.atMost("page_size", request.pageSize, limits.maxPageSize);
    if (decodePageToken(request.pageToken).kind === "invalid") {
      v.add("page_token", "is not a token returned by ListIngestions");
    }
    return v.list;
  },

  deleteIngestion(request) {
    const v = new Violations();
    v.name("topic", request.topic);
    return v.list;
  },

  rebuildCollection(request) {
    const v = new Violations();
    v.name("topic", request.topic);
    v.name("target", request.target);
    if (
      request.alias !== "" &&
      v.name("alias", request.alias) &&
      request.alias === request.target
    ) {
      v.add("alias", "must differ from target");
    }
    if (request.fromOffset < 0n) v.add("from_offset", "must not be negative");
    if (request.dimension > limits.maxDimension) {
      v.add("dimension", `must be 0 (the first chunk's) or 1 to ${limits.maxDimension}`);
    }
    if (request.distance !== 0) v.enumValue("distance", request.distance, knownDistances);
    checkPayloadIndexes(v, "payload_indexes", request.payloadIndexes);
    const index = request.index;
    if (index !== undefined) {
      const { m, efConstruct } = indexSettingLimits;
      if (index.hnswM !== 0 && (index.hnswM < m.min || index.hnswM > m.max)) {
        v.add("index.hnsw_m", `must be 0 (the default) or ${m.min} to ${m.max}`);
      }
      const ef = index.hnswEfConstruct;
      if (ef !== 0 && (ef < efConstruct.min || ef > efConstruct.max)) {
        v.add(
          "index.hnsw_ef_construct",
          `must be 0 (the default) or ${efConstruct.min} to ${efConstruct.max}`,
        );
      }
    }
    return v.list;
  },
};
