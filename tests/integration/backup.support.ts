import { type JsonValue, toJson } from "@bufbuild/protobuf";
import type { RagplaneClients } from "../../client/index.js";
import { ApiKeySchema } from "../../gen/ragplane/v1/admin_pb.js";
import { SubscribeResponseSchema, TopicSchema } from "../../gen/ragplane/v1/events_pb.js";
import {
  Direction,
  GetNodeResponseSchema,
  NeighborsResponseSchema,
} from "../../gen/ragplane/v1/graphs_pb.js";
import {
  CollectionSchema,
  Distance,
  PointSchema,
  SearchResponseSchema,
} from "../../gen/ragplane/v1/vectors_pb.js";

/** Dimension of the fixture's vectors. */
export const dimension = 32;
/** Events of the `docs` topic, points of the `docs` collection, nodes of the graph. */
export const sizes = { events: 300, points: 3000, nodes: 40 } as const;

/** A deterministic vector: the same `seed` always gives the same one. */
export function vectorOf(seed: number): number[] {
  let state = (seed + 1) * 2654435761;
  return Array.from({ length: dimension }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  });
}

/**
 * Writes the fixture through every service as `tenant`: topics `docs` (2 partitions) and
 * `live`, collections `docs` (searched once, so its index is in memory) and `live`, a
 * graph of nodes `n<i>` with relationships from each to the next two.
 */
export async function writeFixture(clients: RagplaneClients): Promise<void> {
  const { events, vectors, graphs } = clients;
  await events.createTopic({ name: "docs", partitions: 2 });
  await events.createTopic({ name: "live", partitions: 1 });
  for (let start = 0; start < sizes.events; start += 100) {
    await events.publish({
      topic: "docs",
      events: Array.from({ length: 100 }, (_, i) => ({
        id: `doc-${start + i}`,
        key: `k-${(start + i) % 7}`,
        payload: Buffer.alloc(2048, start + i),
        contentType: "application/octet-stream",
        headers: { n: String(start + i) },
        subject: `subject-${start + i}`,
      })),
    });
  }
  for (const name of ["docs", "live"]) {
    await vectors.createCollection({ name, dimension, distance: Distance.COSINE });
  }
  for (let start = 0; start < sizes.points; start += 500) {
    await vectors.upsert({
      collection: "docs",
      points: Array.from({ length: 500 }, (_, i) => ({
        id: `p-${start + i}`,
        vector: vectorOf(start + i),
        payload: { n: start + i, lang: (start + i) % 2 === 0 ? "en" : "de" },
      })),
    });
  }
  await vectors.search({ collection: "docs", vector: vectorOf(0), limit: 1 });
  await graphs.upsertNodes({
    nodes: Array.from({ length: sizes.nodes }, (_, i) => ({
      id: `n${i}`,
      labels: i % 2 === 0 ? ["Person"] : ["Document"],
      properties: { rank: { kind: { case: "numberValue", value: i } } },
    })),
  });
  await graphs.upsertRelationships({
    relationships: Array.from({ length: sizes.nodes - 2 }, (_, i) => [
      { fromId: `n${i}`, toId: `n${i + 1}`, type: "NEXT" },
      { fromId: `n${i}`, toId: `n${i + 2}`, type: "SKIP" },
    ]).flat(),
  });
}

/** What the services answer about the fixture, as JSON, for before-and-after comparison. */
export async function captureViews(
  clients: RagplaneClients,
  admin: RagplaneClients,
): Promise<Record<string, JsonValue>> {
  const { events, vectors, graphs } = clients;
  const apiKeys = (await admin.admin.listApiKeys({ pageSize: 1000 })).apiKeys;
  const collections = (await vectors.listCollections({})).collections;
  const docs = await vectors.getCollection({ name: "docs" });
  const searches = [];
  for (const seed of [0, 17, 1234, 99_999]) {
    const found = await vectors.search({
      collection: "docs",
      vector: vectorOf(seed),
      limit: 10,
      withPayload: true,
      ...(seed === 17
        ? {
            filter: {
              must: [
                {
                  key: "lang",
                  test: {
                    case: "match",
                    value: { value: { kind: { case: "stringValue", value: "de" } } },
                  },
                },
              ],
            },
          }
        : {}),
    });
    searches.push(toJson(SearchResponseSchema, found));
  }
  const nodes = [];
  for (let i = 0; i < sizes.nodes; i++) {
    nodes.push(toJson(GetNodeResponseSchema, await graphs.getNode({ id: `n${i}` })));
  }
  const neighbors = await graphs.neighbors({
    nodeId: "n3",
    direction: Direction.BOTH,
    maxDepth: 3,
    limit: 1000,
  });
  const topics = (await events.listTopics({})).topics;
  return {
    apiKeys: apiKeys.map((key) => toJson(ApiKeySchema, key)),
    collections: collections
      .filter((collection) => collection.name !== "live")
      .map((collection) => toJson(CollectionSchema, collection)),
    docs: docs.collection === undefined ? null : toJson(CollectionSchema, docs.collection),
    points: (await scrollAll(clients, "docs")).map((point) => toJson(PointSchema, point)),
    searches,
    nodes,
    neighbors: toJson(NeighborsResponseSchema, neighbors),
    topics: topics.map((topic) => toJson(TopicSchema, topic)),
    events: (await readTopic(clients, "docs", sizes.events)).map((event) =>
      toJson(SubscribeResponseSchema, event),
    ),
  };
}

/** Every point of a collection, with vectors and payloads, in id order. */
export async function scrollAll(clients: RagplaneClients, collection: string) {
  const points = [];
  let cursor = "";
  do {
    const page = await clients.vectors.scroll({
      collection,
      limit: 1000,
      cursor,
      withPayload: true,
      withVector: true,
    });
    points.push(...page.points);
    cursor = page.nextCursor;
  } while (cursor !== "");
  return points;
}

/**
 * The events of a topic from offset 0, sorted by partition and offset: `count` of them,
 * or, without a count, those that arrive before the stream has been quiet for 500 ms.
 */
export async function readTopic(clients: RagplaneClients, topic: string, count?: number) {
  const controller = new AbortController();
  const received = [];
  let quiet: NodeJS.Timeout | undefined;
  const restartQuiet = () => {
    clearTimeout(quiet);
    if (count === undefined) quiet = setTimeout(() => controller.abort(), 500);
  };
  restartQuiet();
  try {
    for await (const message of clients.events.subscribe(
      { topic, start: { case: "startOffset", value: 0n } },
      { signal: controller.signal },
    )) {
      received.push(message);
      restartQuiet();
      if (received.length === count) break;
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(quiet);
    controller.abort();
  }
  return received.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
}

/**
 * Keeps writing while a backup runs: events to `live`, points to `live`, nodes `live-<i>`,
 * one call after another on each. `acked` lists what was acknowledged, in order;
 * `attempted` everything sent.
 */
export class LiveWriter {
  readonly acked = { events: [] as string[], points: [] as string[], nodes: [] as string[] };
  readonly attempted = {
    events: new Set<string>(),
    points: new Set<string>(),
    nodes: new Set<string>(),
  };
  #running = true;
  readonly #loops: Promise<void>[];

  constructor(clients: RagplaneClients) {
    const { events, vectors, graphs } = clients;
    this.#loops = [
      this.#loop("events", (id) =>
        events.publish({ topic: "live", events: [{ id, payload: Buffer.from(id) }] }),
      ),
      this.#loop("points", (id, i) =>
        vectors.upsert({ collection: "live", points: [{ id, vector: vectorOf(100_000 + i) }] }),
      ),
      this.#loop("nodes", (id) => graphs.upsertNodes({ nodes: [{ id, labels: ["Live"] }] })),
    ];
  }

  /** How many writes of each kind were acknowledged so far. */
  counts(): { events: number; points: number; nodes: number } {
    return {
      events: this.acked.events.length,
      points: this.acked.points.length,
      nodes: this.acked.nodes.length,
    };
  }

  /** Stops writing once the writes in flight are answered. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }

  async #loop(
    kind: "events" | "points" | "nodes",
    write: (id: string, i: number) => Promise<unknown>,
  ): Promise<void> {
    for (let i = 0; this.#running; i++) {
      const id = `live-${i}`;
      this.attempted[kind].add(id);
      await write(id, i);
      this.acked[kind].push(id);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}
