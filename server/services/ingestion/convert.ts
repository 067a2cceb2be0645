import type { MessageInitShape } from "@bufbuild/protobuf";
import type { IngestionSchema } from "../../../gen/ragplane/v1/ingestion_pb.js";
import type { IngestionProgress } from "../../ingestion/progress.js";
import type { IngestionSettings } from "../../ingestion/settings.js";

/** An ingestion and its progress as the `Ingestion` message. */
export function toIngestionInit(
  settings: IngestionSettings,
  progress: IngestionProgress,
): MessageInitShape<typeof IngestionSchema> {
  return {
    topic: settings.topic,
    collection: settings.collection,
    graph: settings.graph,
    deadLetterTopic: settings.deadLetterTopic,
    partitions: progress.partitions.map((p) => ({
      partition: p.partition,
      projectedOffset: p.projectedOffset,
      endOffset: p.endOffset,
      lag: p.lag,
    })),
    lag: progress.lag,
  };
}
