import { performance } from "node:perf_hooks";
import { createClient } from "@connectrpc/connect";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { withHeaders } from "../../tests/support/credentials.js";
import { createGrpcJsTransport } from "../../tests/support/grpc-js-transport.js";
import type { BenchChild } from "../children.js";
import { generateDataset } from "../dataset.js";
import { generateGraph, startNodes } from "../engines/graph.js";
import { loadGraph } from "../engines/graph-load.js";
import { whenAvailable } from "../engines/servers.js";
import { BytesClient } from "../grpc-client.js";
import { encodeUpserts, pointBatches, vectorsPaths } from "../requests.js";
import { RequestSource, type TenantPlan } from "./requests.js";

/** The data each tenant gets before the load, and the shape of its calls. */
export interface DataSpec {
  /** Points of the tenant's collection (cosine). */
  readonly points: number;
  readonly dimension: number;
  /** Distinct Search vectors. */
  readonly queries: number;
  readonly searchLimit: number;
  readonly graphNodes: number;
  readonly graphRelationships: number;
  /** Distinct Neighbors start nodes. */
  readonly starts: number;
  readonly neighborsDepth: number;
  readonly neighborsLimit: number;
  readonly topicPartitions: number;
  readonly pointsPerUpsert: number;
  readonly eventsPerPublish: number;
  readonly eventBytes: number;
  readonly nodesPerUpsert: number;
  readonly seed: number;
}

/** A tenant whose data is loaded, and what was checked of it. */
export interface PreparedTenant {
  readonly plan: TenantPlan;
  /** Loading the collection, the topic and the graph through the API, in ms. */
  readonly loadMs: number;
  readonly checks: readonly string[];
}

const loadBatch = { points: 250, graph: 1000 } as const;
const callTimeoutMs = 120_000;

/**
 * Loads one tenant's data through the server's grpc-js port with the tenant's `headers`:
 * CreateCollection and Upserts of a clustered dataset, CreateTopic, then the graph
 * (UpsertNodes, UpsertRelationships). Then asks one call of each read type and one Publish,
 * and checks the answers: the point count, `searchLimit` hits, a neighbourhood beyond
 * the start node, every event acknowledged as new.
 */
export async function prepareTenant(
  server: BenchChild,
  tenant: string,
  headers: Readonly<Record<string, string>>,
  spec: DataSpec,
): Promise<PreparedTenant> {
  const address = `127.0.0.1:${server.port}`;
  const raw = createGrpcJsTransport(address);
  const bytes = new BytesClient(address, headers);
  const options = { timeoutMs: callTimeoutMs };
  const dataset = generateDataset({
    points: spec.points,
    dimension: spec.dimension,
    clusters: 16,
    spread: 0.5,
    queries: spec.queries,
    queryNoise: 0.1,
    seed: spec.seed,
  });
  const graph = generateGraph({
    nodes: spec.graphNodes,
    relationships: spec.graphRelationships,
    seed: spec.seed,
  });
  const plan: TenantPlan = {
    tenant,
    headers,
    collection: "docs",
    pointIds: dataset.ids,
    queries: dataset.queries,
    searchLimit: spec.searchLimit,
    topic: "ingest",
    nodeIds: graph.nodes.map((node) => node.id),
    starts: startNodes(graph, spec.starts, spec.seed),
    neighborsDepth: spec.neighborsDepth,
    neighborsLimit: spec.neighborsLimit,
    pointsPerUpsert: spec.pointsPerUpsert,
    eventsPerPublish: spec.eventsPerPublish,
    eventBytes: spec.eventBytes,
    nodesPerUpsert: spec.nodesPerUpsert,
    seed: spec.seed,
  };
  try {
    const clients = {
      vectors: createClient(VectorsService, withHeaders(raw, headers)),
      events: createClient(EventsService, withHeaders(raw, headers)),
      graphs: createClient(GraphsService, withHeaders(raw, headers)),
    };
    const started = performance.now();
    await whenAvailable(() =>
      clients.vectors.createCollection(
        { name: plan.collection, dimension: spec.dimension, distance: Distance.COSINE },
        options,
      ),
    );
    await bytes.ready();
    for (const upsert of encodeUpserts(plan.collection, pointBatches(dataset, loadBatch.points))) {
      await bytes.call(vectorsPaths.upsert, upsert);
    }
    await whenAvailable(() =>
      clients.events.createTopic(
        { name: plan.topic, partitions: spec.topicPartitions },
        { timeoutMs: callTimeoutMs },
      ),
    );
    await loadGraph({ ...server, headers }, graph, loadBatch.graph);
    const loadMs = performance.now() - started;
    return { plan, loadMs, checks: await checkAnswers(clients, plan, spec) };
  } finally {
    raw.close();
    bytes.close();
  }
}

interface Clients {
  readonly vectors: ReturnType<typeof createClient<typeof VectorsService>>;
  readonly events: ReturnType<typeof createClient<typeof EventsService>>;
  readonly graphs: ReturnType<typeof createClient<typeof GraphsService>>;
}

async function checkAnswers(clients: Clients, plan: TenantPlan, spec: DataSpec): Promise<string[]> {
  const source = new RequestSource(plan, "check");
  const { collection } = await clients.vectors.getCollection(source.getCollection());
  ensure(
    Number(collection?.pointCount) === spec.points,
    `GetCollection counts ${collection?.pointCount} points, expected ${spec.points}`,
  );
  const { hits } = await clients.vectors.search(source.search());
  ensure(hits.length === spec.searchLimit, `Search: ${hits.length} hits`);
  const { nodes } = await clients.graphs.neighbors(source.neighbors());
  ensure(nodes.length > 1, `Neighbors returned ${nodes.length} nodes`);
  const { acks } = await clients.events.publish(source.publish());
  ensure(
    acks.length === spec.eventsPerPublish && acks.every((ack) => !ack.duplicate),
    `Publish: ${acks.filter((ack) => !ack.duplicate).length} of ${spec.eventsPerPublish} events new`,
  );
  await clients.vectors.upsert(source.upsert());
  await clients.graphs.upsertNodes(source.upsertNodes());
  return [
    `${plan.tenant}: GetCollection counts ${spec.points} points; Search returns ` +
      `${spec.searchLimit} hits; Neighbors (depth ${spec.neighborsDepth}) ${nodes.length} nodes ` +
      `with the start; Publish acknowledges ${spec.eventsPerPublish} new events; Upsert and ` +
      "UpsertNodes end OK",
  ];
}

function ensure(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`wrong answer: ${message}`);
}
