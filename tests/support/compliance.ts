import { Code, createClient, type Transport } from "@connectrpc/connect";
import { expect } from "vitest";
import {
  ComplianceService,
  type EraseSubjectResponse,
  type ExportSubjectResponse,
} from "../../gen/ragplane/v1/compliance_pb.js";
import { EventsService, type SubscribeResponse } from "../../gen/ragplane/v1/events_pb.js";
import { Direction, GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { RetrievalService } from "../../gen/ragplane/v1/retrieval_pb.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { rejection } from "./errors.js";
import { values } from "./values.js";

/** The subject the scenario erases, and another one that must stay untouched. */
export const subject = "person-ada@example.org";
export const otherSubject = "person-bob@example.org";
/** Text found only in the erased subject's data: never in an engine's store afterwards. */
export const secretMarkers = ["ADA-PAYLOAD-SECRET", "ADA-HEADER-SECRET", "ada@example.org"];

const utf8 = new TextEncoder();

/** The clients the scenario calls, all on one transport. */
export function complianceClients(transport: Transport) {
  return {
    events: createClient(EventsService, transport),
    vectors: createClient(VectorsService, transport),
    graphs: createClient(GraphsService, transport),
    retrieval: createClient(RetrievalService, transport),
    compliance: createClient(ComplianceService, transport),
  };
}

/** The clients of {@link complianceClients}. */
export type ComplianceClients = ReturnType<typeof complianceClients>;

/**
 * Writes the scenario: events (topic `orders`, 2 partitions) of the subject, of another
 * subject and of none, and an empty topic; points in `notes` and `profiles` (whose
 * `email` is sensitive) of each; nodes `ada` (the subject's), `bob`, `oslo` and
 * relationships `ada-lives` (the subject's), `visit` (the subject's, between others'
 * nodes), `bob-knows-ada` and `bob-lives` (none's).
 */
export async function seedSubjects(clients: ComplianceClients): Promise<void> {
  const { events, vectors, graphs } = clients;
  await events.createTopic({ name: "orders", partitions: 2 });
  await events.createTopic({ name: "quiet", partitions: 1 });
  await events.publish({
    topic: "orders",
    events: [
      {
        id: "o-1",
        key: "ada",
        subject,
        contentType: "application/json",
        payload: utf8.encode('{"note":"ADA-PAYLOAD-SECRET one"}'),
      },
      {
        id: "o-2",
        key: "ada",
        subject,
        headers: { source: "ADA-HEADER-SECRET" },
        payload: utf8.encode("ADA-PAYLOAD-SECRET two"),
      },
      { id: "o-3", key: "bob", subject: otherSubject, payload: utf8.encode("bob's order") },
      { id: "o-4", key: "anon", payload: utf8.encode("an order of nobody") },
    ],
  });
  await vectors.createCollection({ name: "notes", dimension: 2, distance: Distance.COSINE });
  await vectors.createCollection({
    name: "profiles",
    dimension: 2,
    distance: Distance.COSINE,
    sensitiveFields: ["email"],
  });
  await vectors.upsert({
    collection: "notes",
    points: [
      { id: "n-1", vector: [1, 0], payload: { text: "ADA-PAYLOAD-SECRET note" }, subject },
      { id: "n-2", vector: [0, 1], payload: { text: "a note of nobody" } },
    ],
  });
  await vectors.upsert({
    collection: "profiles",
    points: [
      { id: "p-1", vector: [1, 0], payload: { name: "Ada", email: "ada@example.org" }, subject },
      { id: "p-2", vector: [0.9, 0.1], payload: { name: "Ada again" }, subject },
      {
        id: "p-3",
        vector: [0.8, 0.2],
        payload: { name: "Bob", email: "bob@example.org" },
        subject: otherSubject,
      },
      { id: "p-4", vector: [0.7, 0.3], payload: { name: "Nobody" } },
    ],
  });
  await graphs.upsertNodes({
    nodes: [
      { id: "ada", labels: ["Person"], properties: values({ name: "Ada" }), subject },
      { id: "bob", labels: ["Person"], properties: values({ name: "Bob" }), subject: otherSubject },
      { id: "oslo", labels: ["City"], properties: values({ name: "Oslo" }) },
    ],
  });
  await graphs.upsertRelationships({
    relationships: [
      { id: "ada-lives", fromId: "ada", toId: "oslo", type: "LIVES_IN", subject },
      { id: "visit", fromId: "bob", toId: "oslo", type: "VISITED", subject },
      { id: "bob-knows-ada", fromId: "bob", toId: "ada", type: "KNOWS" },
      { id: "bob-lives", fromId: "bob", toId: "oslo", type: "LIVES_IN" },
    ],
  });
}

/** The engines a receipt names. */
export interface ReceiptEngines {
  readonly vectors: string;
  readonly graphs: string;
  readonly events: string;
  readonly keys: string;
}

/** The receipt of erasing the scenario's subject. */
export function expectedReceipt(engines: ReceiptEngines) {
  return [
    { store: "vectors", engine: engines.vectors, target: "notes", count: 1n },
    { store: "vectors", engine: engines.vectors, target: "profiles", count: 2n },
    { store: "graphs", engine: engines.graphs, target: "nodes", count: 1n },
    { store: "graphs", engine: engines.graphs, target: "relationships", count: 3n },
    { store: "events", engine: engines.events, target: "subject data key", count: 1n },
    { store: "caches", engine: engines.keys, target: "data key cache", count: 1n },
  ];
}

/** Every message of an erasure stream. */
export async function erase(
  clients: ComplianceClients,
  who = subject,
): Promise<EraseSubjectResponse[]> {
  const messages: EraseSubjectResponse[] = [];
  for await (const message of clients.compliance.eraseSubject({ subject: who })) {
    messages.push(message);
  }
  return messages;
}

/** An export, grouped by kind. */
export async function exportOf(clients: ComplianceClients, who = subject) {
  const messages: ExportSubjectResponse[] = [];
  for await (const message of clients.compliance.exportSubject({ subject: who })) {
    messages.push(message);
  }
  const of = <K extends NonNullable<ExportSubjectResponse["item"]["case"]>>(kind: K) =>
    messages.flatMap((message) =>
      message.item.case === kind
        ? [message.item.value as Extract<ExportSubjectResponse["item"], { case: K }>["value"]]
        : [],
    );
  return {
    messages,
    events: of("event"),
    points: of("point"),
    nodes: of("node"),
    relationships: of("relationship"),
    audit: of("auditEvent"),
    summary: of("summary")[0],
  };
}

/** Every event of a topic from the beginning, in (partition, offset) order. */
export async function subscribeAll(
  clients: ComplianceClients,
  topic: string,
  count: number,
): Promise<SubscribeResponse[]> {
  const abort = new AbortController();
  const received: SubscribeResponse[] = [];
  for await (const message of clients.events.subscribe(
    { topic, start: { case: "startOffset", value: 0n } },
    { signal: abort.signal, timeoutMs: 10_000 },
  )) {
    received.push(message);
    if (received.length === count) {
      abort.abort();
      break;
    }
  }
  return received.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
}

/** Checks, through every reading RPC, that nothing of the subject is left and the rest is. */
export async function expectSubjectGone(clients: ComplianceClients): Promise<void> {
  const { vectors, graphs, retrieval } = clients;

  const events = await subscribeAll(clients, "orders", 4);
  const byId = new Map(events.map((message) => [message.event?.id, message]));
  for (const id of ["o-1", "o-2"]) {
    const tombstone = byId.get(id);
    expect(tombstone?.event).toMatchObject({ erased: true, subject: "", contentType: "" });
    expect(tombstone?.event?.payload).toHaveLength(0);
    expect(tombstone?.event?.headers).toEqual({});
  }
  expect(new TextDecoder().decode(byId.get("o-3")?.event?.payload)).toBe("bob's order");
  expect(byId.get("o-3")?.event?.subject).toBe(otherSubject);
  expect(byId.get("o-4")?.event?.erased).toBe(false);

  const notes = await vectors.get({ collection: "notes", ids: ["n-1", "n-2"] });
  expect(notes.points.map((point) => point.id)).toEqual(["n-2"]);
  const profiles = await vectors.get({ collection: "profiles", ids: ["p-1", "p-2", "p-3", "p-4"] });
  expect(profiles.points.map((point) => point.id)).toEqual(["p-3", "p-4"]);
  expect(profiles.points[0]?.payload).toMatchObject({ email: "bob@example.org" });
  const hits = await vectors.search({
    collection: "profiles",
    vector: [1, 0],
    limit: 10,
    withPayload: true,
  });
  expect(hits.hits.map((hit) => hit.id).sort()).toEqual(["p-3", "p-4"]);
  const scrolled = await vectors.scroll({ collection: "profiles", limit: 10 });
  expect(scrolled.points.map((point) => point.id)).toEqual(["p-3", "p-4"]);
  expect((await vectors.count({ collection: "profiles" })).count).toBe(2n);
  expect((await vectors.count({ collection: "notes" })).count).toBe(1n);

  expect((await rejection(graphs.getNode({ id: "ada" }))).code).toBe(Code.NotFound);
  const around = await graphs.neighbors({
    nodeId: "oslo",
    direction: Direction.BOTH,
    maxDepth: 2,
  });
  expect(around.nodes.map((node) => node.id)).toEqual(["oslo", "bob"]);
  expect(around.relationships.map((relationship) => relationship.id)).toEqual(["bob-lives"]);

  const retrieved = await retrieval.retrieve({
    collection: "profiles",
    vector: [1, 0],
    limit: 10,
    expand: { depth: 1, limit: 10 },
  });
  expect(retrieved.hits.map((hit) => hit.hit?.id).sort()).toEqual(["p-3", "p-4"]);
  expect(JSON.stringify(retrieved.hits.map((hit) => hit.nodes.map((n) => n.id)))).not.toContain(
    '"ada"',
  );

  const exported = await exportOf(clients);
  expect(exported.summary).toMatchObject({
    events: 0n,
    points: 0n,
    nodes: 0n,
    relationships: 0n,
    topicsScanned: 2n,
    collectionsScanned: 2n,
  });
  expect(exported.events).toEqual([]);
  expect(exported.points).toEqual([]);
  expect(exported.nodes).toEqual([]);
  expect(exported.relationships).toEqual([]);

  const bob = await exportOf(clients, otherSubject);
  expect(bob.summary).toMatchObject({ events: 1n, points: 1n, nodes: 1n, relationships: 0n });
}
