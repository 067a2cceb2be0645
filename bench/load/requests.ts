import { create } from "@bufbuild/protobuf";
import { type PublishRequest, PublishRequestSchema } from "../../gen/ragplane/v1/events_pb.js";
import {
  type NeighborsRequest,
  NeighborsRequestSchema,
  type UpsertNodesRequest,
  UpsertNodesRequestSchema,
} from "../../gen/ragplane/v1/graphs_pb.js";
import {
  type GetCollectionRequest,
  GetCollectionRequestSchema,
  type SearchRequest,
  SearchRequestSchema,
  type UpsertRequest,
  UpsertRequestSchema,
} from "../../gen/ragplane/v1/vectors_pb.js";
import { toNodeInit } from "../../server/services/graphs/convert.js";
import { randomBytes, randomIndex, seededRandom } from "../prng.js";

/**
 * What one tenant's calls read and write: data loaded through the API before the load
 * starts, and the shape of each call. Plain data, so it crosses the IPC channel.
 */
export interface TenantPlan {
  readonly tenant: string;
  /** The tenant's `authorization` header. */
  readonly headers: Readonly<Record<string, string>>;
  readonly collection: string;
  /** Ids of the points loaded; Upsert rewrites some of them, so the collection keeps its size. */
  readonly pointIds: readonly string[];
  /** Search vectors, each near a loaded point. */
  readonly queries: readonly number[][];
  readonly searchLimit: number;
  readonly topic: string;
  /** Ids of the nodes loaded; UpsertNodes rewrites some of them. */
  readonly nodeIds: readonly string[];
  /** Neighbors start nodes. */
  readonly starts: readonly string[];
  readonly neighborsDepth: number;
  readonly neighborsLimit: number;
  readonly pointsPerUpsert: number;
  readonly eventsPerPublish: number;
  /** Bytes of each event's payload. */
  readonly eventBytes: number;
  readonly nodesPerUpsert: number;
  readonly seed: number;
}

const labels = ["Doc", "Chunk", "Entity"] as const;
const payloadPool = 64;
const vectorNoise = 0.05;

/**
 * The requests of a tenant's calls, one after another: Search and Neighbors cycle through
 * the plan's queries and start nodes; Upsert and UpsertNodes rewrite a run of loaded ids
 * drawn from a seeded PRNG (new vectors near the queries, a new `rev`); Publish sends
 * events with ids never used before (`<idPrefix>-<call>-<index>`), so none is a repeat.
 */
export class RequestSource {
  readonly #plan: TenantPlan;
  readonly #idPrefix: string;
  readonly #random: () => number;
  readonly #payloads: readonly Uint8Array[];
  #calls = 0;

  constructor(plan: TenantPlan, idPrefix: string) {
    this.#plan = plan;
    this.#idPrefix = idPrefix;
    this.#random = seededRandom(plan.seed ^ hash(idPrefix));
    this.#payloads = Array.from({ length: payloadPool }, () =>
      randomBytes(this.#random, plan.eventBytes),
    );
  }

  search(): SearchRequest {
    const { queries, collection, searchLimit } = this.#plan;
    return create(SearchRequestSchema, {
      collection,
      vector: queries[this.#next() % queries.length]!,
      limit: searchLimit,
    });
  }

  getCollection(): GetCollectionRequest {
    this.#next();
    return create(GetCollectionRequestSchema, { name: this.#plan.collection });
  }

  neighbors(): NeighborsRequest {
    const { starts, neighborsDepth, neighborsLimit } = this.#plan;
    return create(NeighborsRequestSchema, {
      nodeId: starts[this.#next() % starts.length]!,
      maxDepth: neighborsDepth,
      limit: neighborsLimit,
    });
  }

  /** A Publish; `id` names event `index` (by default a fresh id). */
  publish(id?: (index: number) => string): PublishRequest {
    const call = this.#next();
    const { topic, eventsPerPublish } = this.#plan;
    return create(PublishRequestSchema, {
      topic,
      events: Array.from({ length: eventsPerPublish }, (_, index) => ({
        id: id?.(index) ?? `${this.#idPrefix}-${call}-${index}`,
        payload: this.#payloads[(call * eventsPerPublish + index) % payloadPool]!,
        contentType: "application/octet-stream",
      })),
    });
  }

  upsert(): UpsertRequest {
    const call = this.#next();
    const { pointIds, queries, collection, pointsPerUpsert } = this.#plan;
    const first = randomIndex(this.#random, pointIds.length);
    return create(UpsertRequestSchema, {
      collection,
      points: Array.from({ length: pointsPerUpsert }, (_, i) => ({
        id: pointIds[(first + i) % pointIds.length]!,
        vector: this.#nearby(queries[randomIndex(this.#random, queries.length)]!),
        payload: { source: "load", rev: call },
      })),
    });
  }

  upsertNodes(): UpsertNodesRequest {
    const call = this.#next();
    const { nodeIds, nodesPerUpsert } = this.#plan;
    const first = randomIndex(this.#random, nodeIds.length);
    return create(UpsertNodesRequestSchema, {
      nodes: Array.from({ length: nodesPerUpsert }, (_, i) => {
        const index = (first + i) % nodeIds.length;
        return toNodeInit({
          id: nodeIds[index]!,
          labels: [labels[index % labels.length]!],
          properties: { name: `node ${index}`, rev: call },
        });
      }),
    });
  }

  #next(): number {
    return this.#calls++;
  }

  #nearby(vector: readonly number[]): number[] {
    return vector.map((value) => Math.fround(value + vectorNoise * (2 * this.#random() - 1)));
  }
}

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
