import { create } from "@bufbuild/protobuf";
import {
  UpsertNodesRequestSchema,
  UpsertRelationshipsRequestSchema,
} from "../../gen/ragplane/v1/graphs_pb.js";
import type { Chunk } from "../../gen/ragplane/v1/ingestion_pb.js";
import { limits } from "../limits.js";
import { graphsValidators } from "../services/graphs/validate.js";
import { checkPayload, checkVector } from "../services/vectors/checks.js";
import { type FieldViolation, truncate, Violations } from "../validation/violations.js";

/** The proto's limits on a chunk. */
export const chunkLimits = {
  documentIdBytes: 128,
  chunkIdBytes: 127,
  textBytes: 64 * 1024,
  entities: 256,
  relations: 1024,
} as const;

/** Payload keys the projector writes itself: a chunk's payload may not hold them. */
export const chunkPayloadKeys = ["document_id", "chunk_id", "text", "entity_ids"] as const;

/**
 * Checks a chunk by the proto's rules and the limits the services apply to the same data
 * (Upsert's vector and payload checks, UpsertNodes' and UpsertRelationships' node and
 * relationship checks). Field paths are the chunk's (`entities[2].labels[0]`). Whether
 * the vector's length matches the collection is the store's check, as for Upsert.
 */
export function checkChunk(chunk: Chunk): FieldViolation[] {
  const v = new Violations();
  if (v.id("document_id", chunk.documentId)) {
    atMostBytes(v, "document_id", chunk.documentId, chunkLimits.documentIdBytes);
  }
  if (v.id("chunk_id", chunk.chunkId)) {
    atMostBytes(v, "chunk_id", chunk.chunkId, chunkLimits.chunkIdBytes);
  }
  atMostBytes(v, "text", chunk.text, chunkLimits.textBytes);
  if (chunk.vector.length > 0) checkVector(v, "vector", chunk.vector);
  checkPayload(v, "payload", chunk.payload);
  for (const key of chunkPayloadKeys) {
    if (chunk.payload !== undefined && Object.hasOwn(chunk.payload, key)) {
      v.add(`payload[${JSON.stringify(key)}]`, "is written by ingestion and may not be given");
    }
  }
  if (chunk.entities.length > chunkLimits.entities) {
    v.add("entities", `must hold at most ${chunkLimits.entities} entities`);
  } else if (chunk.entities.length > 0) {
    const request = create(UpsertNodesRequestSchema, { nodes: chunk.entities });
    renamed(v, graphsValidators.upsertNodes(request), "nodes", "entities", 0);
  }
  if (chunk.relations.length > chunkLimits.relations) {
    v.add("relations", `must hold at most ${chunkLimits.relations} relations`);
  } else {
    for (let start = 0; start < chunk.relations.length; start += limits.maxBatchItems) {
      const relationships = chunk.relations.slice(start, start + limits.maxBatchItems);
      const request = create(UpsertRelationshipsRequestSchema, { relationships });
      renamed(
        v,
        graphsValidators.upsertRelationships(request),
        "relationships",
        "relations",
        start,
      );
    }
  }
  return v.list;
}

/** One line naming what is wrong with a chunk, for a dead letter's reason. */
export function describeViolations(violations: readonly FieldViolation[]): string {
  const shown = violations.slice(0, 5).map((x) => `${x.field}: ${x.description}`);
  const more =
    violations.length > shown.length ? ` (and ${violations.length - shown.length} more)` : "";
  return `invalid chunk: ${shown.join("; ")}${more}`;
}

function atMostBytes(v: Violations, field: string, value: string, max: number): void {
  const over = value.length > max || (value.length * 3 > max && Buffer.byteLength(value) > max);
  if (over) v.add(field, `must be at most ${max} bytes`);
}

/** Adds a service validator's violations with its field name and indexes moved to the chunk's. */
function renamed(
  v: Violations,
  violations: readonly FieldViolation[],
  from: string,
  to: string,
  offset: number,
): void {
  const pattern = new RegExp(`^${from}(\\[(\\d+)\\])?`);
  for (const violation of violations) {
    const field = violation.field.replace(
      pattern,
      (_, indexed: string | undefined, index: string) =>
        indexed === undefined ? to : `${to}[${Number(index) + offset}]`,
    );
    v.add(field, truncate(violation.description, 200));
  }
}
