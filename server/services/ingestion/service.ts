import { Code, ConnectError } from "@connectrpc/connect";
import type { EventLog } from "../../../clients/events/port.js";
import type { GraphStore } from "../../../clients/graphs/port.js";
import type { VectorStore } from "../../../clients/vectors/port.js";
import type { IngestionService } from "../../../gen/ragplane/v1/ingestion_pb.js";
import type { ServiceHandlers } from "../handlers.js";

/** The stores ingestion reads and writes. */
export interface IngestionStores {
  readonly events: EventLog;
  readonly vectors: VectorStore;
  readonly graphs: GraphStore;
}

/** The IngestionService implementation. */
export function createIngestionService(
  _stores: IngestionStores,
): ServiceHandlers<typeof IngestionService.method> {
  const unimplemented = (rpc: string): never => {
    throw new ConnectError(`${rpc} is not implemented yet`, Code.Unimplemented);
  };
  return {
    putIngestion: async () => unimplemented("PutIngestion"),
    getIngestion: async () => unimplemented("GetIngestion"),
    listIngestions: async () => unimplemented("ListIngestions"),
    deleteIngestion: async () => unimplemented("DeleteIngestion"),
    // biome-ignore lint/correctness/useYield: placeholder until ingestion lands
    async *rebuildCollection() {
      unimplemented("RebuildCollection");
    },
  };
}
