import type { JsonObject } from "@bufbuild/protobuf";
import type { StoredEvent } from "../../clients/events/port.js";
import type { GraphNode, RelationshipInput } from "../../clients/graphs/port.js";
import type { PointInput } from "../../clients/vectors/port.js";
import type { Chunk } from "../../gen/ragplane/v1/ingestion_pb.js";
import { type LineageRecord, lineageFields } from "../lineage/fields.js";
import { toGraphNode, toRelationshipInput } from "../services/graphs/convert.js";

/** A decoded, valid chunk with the event it came from. */
export interface ChunkEvent {
  readonly event: StoredEvent;
  readonly chunk: Chunk;
}

/** What projecting chunks writes: points, then nodes, then relationships. */
export interface ChunkWrites {
  readonly points: PointInput[];
  readonly nodes: GraphNode[];
  readonly relationships: RelationshipInput[];
}

/** Where the chunks go: a collection (empty: none) and the graph (or not). */
export interface WriteTargets {
  readonly collection: string;
  readonly graph: boolean;
}

/** The id of a chunk's point: `<document_id>/<chunk_id>`, the same on every replay. */
export function pointIdOf(chunk: Chunk): string {
  return `${chunk.documentId}/${chunk.chunkId}`;
}

/** The lineage of items written from `event` of `topic`, projected at `now`. */
export function lineageOf(topic: string, event: StoredEvent, now: Date): LineageRecord {
  return {
    topic,
    partition: event.partition,
    offset: event.offset,
    eventId: event.id,
    eventTime: event.time,
    projectedTime: now,
  };
}

/**
 * The writes of a run of chunks, in event order (a later chunk's item replaces an
 * earlier one's of the same id, as an upsert does). A chunk yields a point when a
 * collection is set and it has a vector, and nodes and relationships when the graph is
 * on. Every item carries its event's lineage, and its event's data subject when the event
 * has one (the subject as published: the event log's port gives it decrypted), so that
 * EraseSubject and ExportSubject find what ingestion wrote about the subject.
 */
export function writesOf(
  topic: string,
  items: readonly ChunkEvent[],
  targets: WriteTargets,
  now: Date,
): ChunkWrites {
  const writes: ChunkWrites = { points: [], nodes: [], relationships: [] };
  for (const { event, chunk } of items) {
    const lineage = lineageFields(lineageOf(topic, event, now));
    const subject = event.subject === "" ? {} : { subject: event.subject };
    if (targets.collection !== "" && chunk.vector.length > 0) {
      const payload: JsonObject = {
        ...(chunk.payload ?? {}),
        document_id: chunk.documentId,
        chunk_id: chunk.chunkId,
        text: chunk.text,
        entity_ids: chunk.entities.map((entity) => entity.id),
        ...lineage,
      };
      writes.points.push({ id: pointIdOf(chunk), vector: chunk.vector, payload, ...subject });
    }
    if (!targets.graph) continue;
    for (const entity of chunk.entities) {
      const node = toGraphNode(entity);
      writes.nodes.push({ ...node, properties: { ...node.properties, ...lineage }, ...subject });
    }
    for (const relation of chunk.relations) {
      const input = toRelationshipInput(relation);
      writes.relationships.push({
        ...input,
        properties: { ...input.properties, ...lineage },
        ...subject,
      });
    }
  }
  return writes;
}

/** The endpoints of a chunk's relations that are not among its own entities. */
export function outsideEndpoints(chunk: Chunk): string[] {
  const own = new Set(chunk.entities.map((entity) => entity.id));
  const outside = new Set<string>();
  for (const relation of chunk.relations) {
    if (!own.has(relation.fromId)) outside.add(relation.fromId);
    if (!own.has(relation.toId)) outside.add(relation.toId);
  }
  return [...outside];
}
