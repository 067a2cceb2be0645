import type { GraphStore } from "../../../clients/graphs/port.js";
import type { VectorStore } from "../../../clients/vectors/port.js";
import type { RetrievalService } from "../../../gen/ragplane/v1/retrieval_pb.js";
import type { ServiceHandlers } from "../handlers.js";
import { getLineage } from "./lineage.js";
import { retrieve } from "./retrieve.js";

/** The stores Retrieve and GetLineage read. */
export interface RetrievalStores {
  readonly vectors: VectorStore;
  readonly graphs: GraphStore;
}

/**
 * The RetrievalService implementation, reading through the same ports, scoped to the
 * caller's tenant, as VectorsService and GraphsService. Requests have passed
 * `retrievalValidators`; the ports' domain errors propagate to the error-mapping
 * interceptor.
 */
export function createRetrievalService(
  stores: RetrievalStores,
): ServiceHandlers<typeof RetrievalService.method> {
  return {
    retrieve: (request, context) => retrieve(stores, request, context),
    getLineage: (request, context) => getLineage(stores, request, context),
  };
}
