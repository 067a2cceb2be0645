import type { IngestionService } from "../../../gen/ragplane/v1/ingestion_pb.js";
import type { ServiceValidators } from "../handlers.js";

/** Request validators of IngestionService. */
export const ingestionValidators: ServiceValidators<typeof IngestionService.method> = {
  putIngestion: () => [],
  getIngestion: () => [],
  listIngestions: () => [],
  deleteIngestion: () => [],
  rebuildCollection: () => [],
};
