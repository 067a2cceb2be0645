import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { LineageSchema } from "../../gen/ragplane/v1/lineage_pb.js";
import type { LineageRecord } from "./fields.js";

/** A lineage record as the `Lineage` message. */
export function toLineageInit(lineage: LineageRecord): MessageInitShape<typeof LineageSchema> {
  return {
    topic: lineage.topic,
    partition: lineage.partition,
    offset: lineage.offset,
    eventId: lineage.eventId,
    eventTime: timestampFromMs(lineage.eventTime.getTime()),
    projectedTime: timestampFromMs(lineage.projectedTime.getTime()),
  };
}
