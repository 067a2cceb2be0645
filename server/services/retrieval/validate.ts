import type { RetrievalService } from "../../../gen/ragplane/v1/retrieval_pb.js";
import type { ServiceValidators } from "../handlers.js";

/** Request validators of RetrievalService. */
export const retrievalValidators: ServiceValidators<typeof RetrievalService.method> = {
  retrieve: () => [],
  getLineage: () => [],
};
