import type { EventLog, StoredEvent } from "../../clients/events/port.js";
import type { GraphNode, GraphRelationship, GraphStore } from "../../clients/graphs/port.js";
import type { StoredPoint, VectorStore } from "../../clients/vectors/port.js";
import type { AuditLog, StoredAuditEvent } from "../../security/audit/port.js";
import { subjectDigest } from "./subject.js";

/** Where an export looks: the ports as services see them (events decrypted). */
export interface ExportSources {
  readonly events: Pick<EventLog, "listTopics" | "startOffsets" | "endOffsets" | "read">;
  readonly vectors: Pick<VectorStore, "listCollections" | "scroll">;
  readonly graphs: Pick<GraphStore, "subjectNodes" | "subjectRelationships">;
  readonly audit?: Pick<AuditLog, "query">;
}

/** How many items of each kind an export gave, and how much it searched. */
export interface ExportCounts {
  events: number;
  points: number;
  nodes: number;
  relationships: number;
  auditEvents: number;
  topicsScanned: number;
  collectionsScanned: number;
}

/** One item of an export, in the order they come: events, points, nodes, relationships, audit entries, summary. */
export type ExportItem =
  | { readonly kind: "event"; readonly topic: string; readonly event: StoredEvent }
  | { readonly kind: "point"; readonly collection: string; readonly point: StoredPoint }
  | { readonly kind: "node"; readonly node: GraphNode }
  | { readonly kind: "relationship"; readonly relationship: GraphRelationship }
  | { readonly kind: "audit"; readonly entry: StoredAuditEvent }
  | { readonly kind: "summary"; readonly counts: ExportCounts };

const pageSize = 100;
const auditPageSize = 1000;

/**
 * Everything the tenant holds about `subject`, one item at a time: the generator only
 * reads on when the consumer asks for the next item, so a slow client slows the export
 * rather than filling memory. Events are found by reading every topic from the beginning
 * up to the end offsets taken when the topic is reached (newer events are not waited
 * for); tombstones of an erased subject never match.
 */
export async function* exportSubject(
  sources: ExportSources,
  tenant: string,
  subject: string,
  signal: AbortSignal,
): AsyncGenerator<ExportItem, void, undefined> {
  const counts: ExportCounts = {
    events: 0,
    points: 0,
    nodes: 0,
    relationships: 0,
    auditEvents: 0,
    topicsScanned: 0,
    collectionsScanned: 0,
  };
  for await (const topic of topicNames(sources.events, tenant, signal)) {
    counts.topicsScanned++;
    for await (const event of readToEnd(sources.events, tenant, topic, signal)) {
      if (event.subject !== subject || isTombstone(event)) continue;
      counts.events++;
      yield { kind: "event", topic, event };
    }
  }
  for await (const collection of collectionNames(sources.vectors, tenant, signal)) {
    counts.collectionsScanned++;
    let after: string | undefined;
    do {
      const page = await sources.vectors.scroll(
        tenant,
        collection,
        {
          subject,
          limit: pageSize,
          withPayload: true,
          withVector: true,
          ...(after === undefined ? {} : { after }),
        },
        signal,
      );
      for (const point of page.points) {
        counts.points++;
        yield { kind: "point", collection, point };
      }
      after = page.nextAfter;
    } while (after !== undefined);
  }
  let after: string | undefined;
  do {
    const page = await sources.graphs.subjectNodes(
      tenant,
      subject,
      { limit: pageSize, ...(after === undefined ? {} : { after }) },
      signal,
    );
    for (const node of page.nodes) {
      counts.nodes++;
      yield { kind: "node", node };
    }
    after = page.nextAfter;
  } while (after !== undefined);
  do {
    const page = await sources.graphs.subjectRelationships(
      tenant,
      subject,
      { limit: pageSize, ...(after === undefined ? {} : { after }) },
      signal,
    );
    for (const relationship of page.relationships) {
      counts.relationships++;
      yield { kind: "relationship", relationship };
    }
    after = page.nextAfter;
  } while (after !== undefined);
  if (sources.audit !== undefined) {
    const digest = subjectDigest(subject);
    let position: string | undefined;
    do {
      const page = await sources.audit.query(
        { tenant, limit: auditPageSize, ...(position === undefined ? {} : { after: position }) },
        signal,
      );
      for (const entry of page.events) {
        if (entry.details.subject_digest !== digest) continue;
        counts.auditEvents++;
        yield { kind: "audit", entry };
      }
      position = page.next;
    } while (position !== undefined);
  }
  yield { kind: "summary", counts };
}

function isTombstone(event: StoredEvent): boolean {
  return (event as { readonly erased?: boolean }).erased === true;
}

async function* topicNames(
  events: ExportSources["events"],
  tenant: string,
  signal: AbortSignal,
): AsyncGenerator<string> {
  let after: string | undefined;
  do {
    const page = await events.listTopics(
      tenant,
      { limit: pageSize, ...(after === undefined ? {} : { after }) },
      signal,
    );
    for (const topic of page.topics) yield topic.name;
    after = page.nextAfter;
  } while (after !== undefined);
}

async function* collectionNames(
  vectors: ExportSources["vectors"],
  tenant: string,
  signal: AbortSignal,
): AsyncGenerator<string> {
  let after: string | undefined;
  do {
    const page = await vectors.listCollections(
      tenant,
      { limit: pageSize, ...(after === undefined ? {} : { after }) },
      signal,
    );
    for (const collection of page.collections) yield collection.name;
    after = page.nextAfter;
  } while (after !== undefined);
}

/**
 * Every event of a topic from the oldest retained one up to the end offsets taken now,
 * in each partition's order; returns without reading when the topic holds none.
 */
async function* readToEnd(
  events: ExportSources["events"],
  tenant: string,
  topic: string,
  signal: AbortSignal,
): AsyncGenerator<StoredEvent> {
  const [starts, ends] = await Promise.all([
    events.startOffsets(tenant, topic, signal),
    events.endOffsets(tenant, topic, signal),
  ]);
  const pending = new Map<number, bigint>();
  ends.forEach((end, partition) => {
    if (end > (starts[partition] ?? 0n)) pending.set(partition, end - 1n);
  });
  if (pending.size === 0) return;
  for await (const event of events.read(tenant, topic, { start: { kind: "beginning" } }, signal)) {
    const last = pending.get(event.partition);
    if (last === undefined) continue;
    if (event.offset <= last) yield event;
    if (event.offset >= last) {
      pending.delete(event.partition);
      if (pending.size === 0) return;
    }
  }
}
