import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  type ErasureSchema,
  ErasureState,
  type ExportSubjectResponseSchema,
} from "../../../gen/ragplane/v1/compliance_pb.js";
import type { ExportItem } from "../../compliance/export.js";
import type { ErasureJob } from "../../compliance/job.js";
import { toAuditEventInit } from "../admin/convert.js";
import { toEventInit } from "../events/convert.js";
import { toNodeInit, toRelationshipInit } from "../graphs/convert.js";
import { toPointInit } from "../vectors/convert.js";

/** A job as the `Erasure` message: never the subject, only its digest. */
export function toErasureInit(job: ErasureJob): MessageInitShape<typeof ErasureSchema> {
  return {
    id: job.id,
    subjectDigest: job.subjectDigest,
    state: job.step === "done" ? ErasureState.DONE : ErasureState.RUNNING,
    step: job.step,
    removed: job.removed.map((line) => ({
      store: line.store,
      engine: line.engine,
      target: line.target,
      count: BigInt(line.count),
    })),
    startTime: timestampFromMs(job.startTime),
    ...(job.finishTime === undefined ? {} : { finishTime: timestampFromMs(job.finishTime) }),
    resumed: job.resumed,
    lastError: job.lastError,
  };
}

/** One export item as the `ExportSubjectResponse` message; `subject` is the exported one. */
export function toExportInit(
  item: ExportItem,
  subject: string,
): MessageInitShape<typeof ExportSubjectResponseSchema> {
  switch (item.kind) {
    case "event":
      return {
        item: {
          case: "event",
          value: {
            topic: item.topic,
            partition: item.event.partition,
            offset: item.event.offset,
            event: toEventInit(item.event),
          },
        },
      };
    case "point":
      return {
        item: {
          case: "point",
          value: { collection: item.collection, point: { ...toPointInit(item.point), subject } },
        },
      };
    case "node":
      return { item: { case: "node", value: { ...toNodeInit(item.node), subject } } };
    case "relationship":
      return {
        item: {
          case: "relationship",
          value: { ...toRelationshipInit(item.relationship), subject },
        },
      };
    case "audit":
      return { item: { case: "auditEvent", value: toAuditEventInit(item.entry) } };
    case "summary": {
      const { counts } = item;
      return {
        item: {
          case: "summary",
          value: {
            events: BigInt(counts.events),
            points: BigInt(counts.points),
            nodes: BigInt(counts.nodes),
            relationships: BigInt(counts.relationships),
            auditEvents: BigInt(counts.auditEvents),
            topicsScanned: BigInt(counts.topicsScanned),
            collectionsScanned: BigInt(counts.collectionsScanned),
          },
        },
      };
    }
  }
}
