import type { RetrievalService } from "../../../gen/ragplane/v1/retrieval_pb.js";
import { Violations } from "../../validation/violations.js";
import { checkDirection, checkNames, maxFilterNames } from "../graphs/validate.js";
import type { ServiceValidators } from "../handlers.js";
import { checkFilter, checkVector } from "../vectors/checks.js";

/** Most hits of one Retrieve (the proto's documented limit). */
export const maxRetrieveHits = 100;
/** Deepest expansion around a hit's entities. */
export const maxExpansionDepth = 3;
/** Most nodes per hit besides its entities. */
export const maxExpansionLimit = 200;

/**
 * Request validators of RetrievalService. Field paths use the proto's snake_case names
 * (`expand.types[1]`, `point.collection`), as `google.rpc.BadRequest` expects.
 */
export const retrievalValidators: ServiceValidators<typeof RetrievalService.method> = {
  retrieve(request) {
    const v = new Violations();
    v.name("collection", request.collection);
    checkVector(v, "vector", request.vector);
    v.atMost("limit", request.limit, maxRetrieveHits);
    checkFilter(v, "filter", request.filter);
    const { expand } = request;
    if (expand !== undefined) {
      v.atMost("expand.depth", expand.depth, maxExpansionDepth);
      checkNames(v, "expand.types", expand.types, maxFilterNames);
      v.atMost("expand.limit", expand.limit, maxExpansionLimit);
      checkDirection(v, "expand.direction", expand.direction);
    }
    if (request.minScore !== undefined && !Number.isFinite(request.minScore)) {
      v.add("min_score", "must be a finite number");
    }
    return v.list;
  },

  getLineage(request) {
    const v = new Violations();
    const { target } = request;
    switch (target.case) {
      case "point":
        v.name("point.collection", target.value.collection);
        v.id("point.id", target.value.id);
        break;
      case "nodeId":
        v.id("node_id", target.value);
        break;
      case "relationshipId":
        v.id("relationship_id", target.value);
        break;
      default:
        v.add("target", "exactly one of point, node_id, relationship_id must be set");
    }
    return v.list;
  },
};
