import { setTimeout as sleep } from "node:timers/promises";
import type { JsonObject } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventsService, type SubscribeResponse } from "../../gen/ragplane/v1/events_pb.js";
import { IngestionService } from "../../gen/ragplane/v1/ingestion_pb.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { deadLetterHeaders } from "../../server/ingestion/dead-letters.js";
import { lineageKeys } from "../../server/lineage/fields.js";
import { chunkEvent, sampleChunk } from "../support/chunks.js";
import { rejection } from "../support/errors.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const tenant = "default";
const events = () => createClient(EventsService, server.transport("grpc-js"));
const vectors = () => createClient(VectorsService, server.transport("grpc-js"));
const ingestion = () => createClient(IngestionService, server.transport("grpc-js"));

/** Waits until the ingestion of `topic` has projected everything published. */
async function caughtUp(topic: string, waitMs = 10_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { ingestion: found } = await ingestion().getIngestion({ topic });
    const published = found?.partitions.reduce((sum, p) => sum + p.endOffset, 0n) ?? 0n;
    if (found && found.lag === 0n && published > 0n) return;
    if (Date.now() > deadline) throw new Error(`ingestion of ${topic} did not catch up`);
    await sleep(20);
  }
}

/** Every point of a collection, payloads without the projection time (which a replay renews). */
async function snapshot(collection: string): Promise<[string, JsonObject][]> {
  const page = await server.engines.vectors.scroll(tenant, collection, {
    limit: 1000,
    withPayload: true,
    withVector: false,
  });
  return page.points.map((point) => {
    const { [lineageKeys.projectedTime]: _projected, ...payload } = point.payload ?? {};
    return [point.id, payload];
  });
}

async function setUp(topic: string, collection: string, dimension = 3, partitions = 2) {
  await events().createTopic({ name: topic, partitions });
  await vectors().createCollection({ name: collection, dimension, distance: Distance.COSINE });
}

describe("IngestionService and the projector", () => {
  it("projects published chunks into points, nodes and relationships with lineage", async () => {
    await setUp("docs", "docs-vectors");
    const put = await ingestion().putIngestion({
      topic: "docs",
      collection: "docs-vectors",
      graph: true,
    });
    expect(put.ingestion).toMatchObject({
      topic: "docs",
      collection: "docs-vectors",
      graph: true,
      deadLetterTopic: "docs.dead-letter",
    });
    const published = await events().publish({
      topic: "docs",
      events: [
        chunkEvent("c1", sampleChunk("guide", "1", [1, 0, 0], ["alice", "acme"])),
        chunkEvent("c2", sampleChunk("guide", "2", [0, 1, 0], ["acme"]), { binary: true }),
        { id: "other", payload: new TextEncoder().encode("hello"), contentType: "text/plain" },
      ],
    });
    await caughtUp("docs");

    const [point] = await server.engines.vectors.get(tenant, "docs-vectors", ["guide/1"], {
      withVector: false,
    });
    const ack = published.acks[0];
    expect(point?.payload).toMatchObject({
      lang: "en",
      document_id: "guide",
      chunk_id: "1",
      text: "text of guide/1",
      entity_ids: ["alice", "acme"],
      [lineageKeys.topic]: "docs",
      [lineageKeys.partition]: ack?.partition,
      [lineageKeys.offset]: ack?.offset.toString(),
      [lineageKeys.eventId]: "c1",
    });
    expect(await server.engines.vectors.count(tenant, "docs-vectors")).toBe(2);
    const alice = await server.engines.graphs.getNode(tenant, "alice");
    expect(alice.labels).toEqual(["Entity"]);
    expect(alice.properties[lineageKeys.eventId]).toBe("c1");
    const around = await server.engines.graphs.neighbors(tenant, {
      nodeId: "alice",
      direction: "out",
      types: [],
      labels: [],
      maxDepth: 1,
      limit: 10,
    });
    expect(around.relationships.map((r) => [r.fromId, r.type, r.toId])).toEqual([
      ["alice", "MENTIONS", "acme"],
    ]);
    expect(around.relationships[0]?.properties[lineageKeys.topic]).toBe("docs");

    const text = await server.metrics.registry.metrics();
    expect(text).toMatch(/ragplane_ingestion_projected_events_total 2/);
    expect(text).toMatch(/ragplane_ingestion_skipped_events_total 1/);
    expect(text).toMatch(/ragplane_ingestion_lag_events 0/);
  });

  it("sends poison events to the dead-letter topic with the reason, and projects the rest of their partition", async () => {
    await setUp("mixed", "mixed-vectors", 3, 1);
    await ingestion().putIngestion({ topic: "mixed", collection: "mixed-vectors" });
    await events().publish({
      topic: "mixed",
      events: [
        chunkEvent("good-1", sampleChunk("d", "1", [1, 0, 0])),
        chunkEvent("wrong-dimension", sampleChunk("d", "2", [1, 0])),
        {
          id: "broken",
          payload: new TextEncoder().encode("{not json"),
          contentType: "application/vnd.ragplane.chunk+json",
        },
        chunkEvent("reserved", { ...sampleChunk("d", "3", [0, 0, 1]), payload: { text: "x" } }),
        chunkEvent("good-2", sampleChunk("d", "4", [0, 1, 0])),
      ],
    });
    await caughtUp("mixed");
    const ids = (await snapshot("mixed-vectors")).map(([id]) => id).sort();
    expect(ids).toEqual(["d/1", "d/4"]);

    const controller = new AbortController();
    const letters: SubscribeResponse[] = [];
    for await (const letter of events().subscribe(
      { topic: "mixed.dead-letter", start: { case: "startOffset", value: 0n } },
      { signal: controller.signal },
    )) {
      letters.push(letter);
      if (letters.length === 3) break;
    }
    controller.abort();
    const byOriginal = Object.fromEntries(
      letters.map((l) => [l.event?.headers[deadLetterHeaders.eventId], l.event?.headers]),
    );
    expect(Object.keys(byOriginal).sort()).toEqual(["broken", "reserved", "wrong-dimension"]);
    expect(byOriginal.broken?.[deadLetterHeaders.kind]).toBe("undecodable");
    expect(byOriginal.reserved?.[deadLetterHeaders.reason]).toContain('payload["text"]');
    expect(byOriginal["wrong-dimension"]).toMatchObject({
      [deadLetterHeaders.kind]: "refused",
      [deadLetterHeaders.topic]: "mixed",
      [deadLetterHeaders.partition]: "0",
      [deadLetterHeaders.offset]: "1",
    });
    expect(letters.map((l) => l.event?.id).sort()).toEqual(["mixed:0:1", "mixed:0:2", "mixed:0:3"]);
  });

  it("gives the same state when a topic is projected again from the beginning", async () => {
    await setUp("replayed", "replayed-vectors");
    await ingestion().putIngestion({
      topic: "replayed",
      collection: "replayed-vectors",
      graph: true,
    });
    await events().publish({
      topic: "replayed",
      events: Array.from({ length: 20 }, (_, i) =>
        chunkEvent(`r${i}`, sampleChunk(`doc${i % 4}`, String(i % 5), [1, i, 0], [`e${i % 3}`])),
      ),
    });
    await caughtUp("replayed");
    const before = await snapshot("replayed-vectors");
    await ingestion().deleteIngestion({ topic: "replayed" });
    await server.engines.vectors.delete(tenant, "replayed-vectors", {
      ids: before.map(([id]) => id),
    });
    const again = await ingestion().putIngestion({
      topic: "replayed",
      collection: "replayed-vectors",
      graph: true,
    });
    expect(again.ingestion?.partitions.every((p) => p.projectedOffset === 0n)).toBe(true);
    await caughtUp("replayed");
    expect(await snapshot("replayed-vectors")).toEqual(before);
  });

  it("rebuilds a collection of a new dimension from the topic and moves the alias to it", async () => {
    await setUp("models", "models-v1", 3, 2);
    await ingestion().putIngestion({ topic: "models", collection: "models-v1" });
    await events().publish({
      topic: "models",
      events: [
        chunkEvent("old-1", sampleChunk("a", "1", [1, 0, 0])),
        chunkEvent("old-2", sampleChunk("b", "1", [0, 1, 0])),
        chunkEvent("new-1", sampleChunk("a", "1", [1, 0, 0, 1])),
        chunkEvent("new-2", sampleChunk("b", "1", [0, 1, 0, 1])),
        chunkEvent("new-3", sampleChunk("c", "1", [0, 0, 1, 1])),
      ],
    });
    await server.engines.vectors.putAlias(tenant, "models-live", "models-v1");
    const reports = [];
    for await (const report of ingestion().rebuildCollection({
      topic: "models",
      target: "models-v2",
      dimension: 4,
      alias: "models-live",
    })) {
      reports.push(report);
    }
    const last = reports.at(-1);
    expect(last).toMatchObject({ done: true, read: 5n, projected: 3n, skipped: 2n, total: 5n });
    expect(last?.alias).toMatchObject({ name: "models-live", collection: "models-v2" });
    expect(reports.slice(0, -1).every((r) => !r.done)).toBe(true);
    const live = await server.engines.vectors.getCollection(tenant, "models-live");
    expect(live).toMatchObject({ name: "models-v2", dimension: 4, pointCount: 3 });
  });

  it("answers NOT_FOUND for a missing topic, collection or ingestion, INVALID_ARGUMENT for bad input", async () => {
    await setUp("checked", "checked-vectors");
    const noTopic = await rejection(ingestion().putIngestion({ topic: "nope", graph: true }));
    expect(noTopic.code).toBe(Code.NotFound);
    const noCollection = await rejection(
      ingestion().putIngestion({ topic: "checked", collection: "nope" }),
    );
    expect(noCollection.code).toBe(Code.NotFound);
    expect((await rejection(ingestion().getIngestion({ topic: "checked" }))).code).toBe(
      Code.NotFound,
    );
    expect((await rejection(ingestion().deleteIngestion({ topic: "checked" }))).code).toBe(
      Code.NotFound,
    );
    expect(
      await ingestion().deleteIngestion({ topic: "checked", allowMissing: true }),
    ).toMatchObject({ deleted: false });
    const bad = await rejection(
      ingestion().putIngestion({ topic: "bad topic", deadLetterTopic: "bad topic" }),
    );
    expect(bad.code).toBe(Code.InvalidArgument);
    const nothing = await rejection(ingestion().putIngestion({ topic: "checked" }));
    expect(nothing.code).toBe(Code.InvalidArgument);
  });

  it("lists the tenant's ingestions in topic order, a page at a time", async () => {
    const first = await ingestion().listIngestions({ pageSize: 2 });
    expect(first.ingestions.map((i) => i.topic)).toEqual(["docs", "mixed"]);
    const rest = await ingestion().listIngestions({ pageToken: first.nextPageToken });
    expect(rest.ingestions.map((i) => i.topic)).toEqual(["models", "replayed"]);
    expect(rest.nextPageToken).toBe("");
  });
});

describe("a server with INGESTION_PROJECTOR=false", () => {
  it("serves IngestionService and reports the lag, but projects nothing", async () => {
    const idle = await startTestServer({ INGESTION_PROJECTOR: "false" });
    try {
      const transport = idle.transport("grpc-js");
      const idleEvents = createClient(EventsService, transport);
      await idleEvents.createTopic({ name: "waiting", partitions: 1 });
      await createClient(VectorsService, transport).createCollection({
        name: "waiting",
        dimension: 3,
        distance: Distance.COSINE,
      });
      const idleIngestion = createClient(IngestionService, transport);
      await idleIngestion.putIngestion({ topic: "waiting", collection: "waiting" });
      await idleEvents.publish({
        topic: "waiting",
        events: [chunkEvent("w1", sampleChunk("w", "1", [1, 0, 0]))],
      });
      await sleep(300);
      const { ingestion: found } = await idleIngestion.getIngestion({ topic: "waiting" });
      expect(found?.lag).toBe(1n);
      expect(found?.partitions).toEqual([
        expect.objectContaining({ partition: 0, projectedOffset: 0n, endOffset: 1n, lag: 1n }),
      ]);
      expect(await idle.engines.vectors.count(tenant, "waiting")).toBe(0);
    } finally {
      await idle.close();
    }
  });
});
