import { Code, ConnectError } from "@connectrpc/connect";
import type { GraphStore } from "../../../clients/graphs/port.js";
import type { VectorStore } from "../../../clients/vectors/port.js";
import type { RetrievalService } from "../../../gen/ragplane/v1/retrieval_pb.js";
import type { ServiceHandlers } from "../handlers.js";

/** The stores Retrieve and GetLineage read. */
export interface RetrievalStores {
  readonly vectors: VectorStore;
  readonly graphs: GraphStore;
}

/** The RetrievalService implementation. */
export function createRetrievalService(
  _stores: RetrievalStores,
): ServiceHandlers<typeof RetrievalService.method> {
  return {
    async retrieve() {
      throw new ConnectError("Retrieve is not implemented yet", Code.Unimplemented);
    },
    async getLineage() {
      throw new ConnectError("GetLineage is not implemented yet", Code.Unimplemented);
    },
  };
}
