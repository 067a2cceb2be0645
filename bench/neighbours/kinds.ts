import { create, toBinary } from "@bufbuild/protobuf";
import {
  GetNodeRequestSchema,
  GraphsService,
  ShortestPathRequestSchema,
} from "../../gen/ragplane/v1/graphs_pb.js";
import { GetCollectionRequestSchema, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import type { Dataset } from "../dataset.js";
import { encodeNeighborsRequests } from "../engines/graph.js";
import { encodeSearches } from "../requests.js";
import type { PathPair } from "./graph.js";
import type { CallKind } from "./load-messages.js";
import type { NoisyGraphSpec } from "./options.js";

/** The names of the noisy tenant's three loops. */
export const noisyKindNames = ["ShortestPath", "Neighbors", "ExactSearch"] as const;

/** The names of the quiet tenant's cheap calls, sent in turn. */
export const quietKindNames = ["GetCollection", "GetNode", "Search"] as const;

const graphsPath = (method: string): string => `/${GraphsService.typeName}/${method}`;
const vectorsPath = (method: string): string => `/${VectorsService.typeName}/${method}`;

/** What the noisy tenant asks, encoded once. */
export interface NoisyCalls {
  readonly spec: NoisyGraphSpec;
  readonly pairs: readonly PathPair[];
  readonly starts: readonly string[];
  readonly collection: string;
  readonly vectors: Dataset;
  readonly limit: number;
}

/**
 * The noisy tenant's loops: ShortestPath over the bridge (`max_depth` the API's most,
 * both directions), Neighbors (`max_depth` 5, `limit` 1000, both directions) and Search
 * with `exact: true` over the large collection.
 */
export function noisyKinds(calls: NoisyCalls): CallKind[] {
  return [
    {
      name: "ShortestPath",
      path: graphsPath(GraphsService.method.shortestPath.name),
      requests: calls.pairs.map((pair) =>
        toBinary(
          ShortestPathRequestSchema,
          create(ShortestPathRequestSchema, {
            fromId: pair.fromId,
            toId: pair.toId,
            maxDepth: calls.spec.pathDepth,
          }),
        ),
      ),
    },
    {
      name: "Neighbors",
      path: graphsPath(GraphsService.method.neighbors.name),
      requests: encodeNeighborsRequests(
        calls.starts,
        calls.spec.neighborsDepth,
        calls.spec.neighborsLimit,
      ),
    },
    {
      name: "ExactSearch",
      path: vectorsPath(VectorsService.method.search.name),
      requests: encodeSearches(calls.collection, calls.vectors.queries, calls.limit, true),
    },
  ];
}

/** What the quiet tenant asks, encoded once. */
export interface QuietCalls {
  readonly collection: string;
  readonly nodeIds: readonly string[];
  readonly vectors: Dataset;
  readonly limit: number;
}

/** The quiet tenant's cheap calls: GetCollection, GetNode, and a Search on its small collection. */
export function quietKinds(calls: QuietCalls): CallKind[] {
  return [
    {
      name: "GetCollection",
      path: vectorsPath(VectorsService.method.getCollection.name),
      requests: [
        toBinary(
          GetCollectionRequestSchema,
          create(GetCollectionRequestSchema, { name: calls.collection }),
        ),
      ],
    },
    {
      name: "GetNode",
      path: graphsPath(GraphsService.method.getNode.name),
      requests: calls.nodeIds.map((id) =>
        toBinary(GetNodeRequestSchema, create(GetNodeRequestSchema, { id })),
      ),
    },
    {
      name: "Search",
      path: vectorsPath(VectorsService.method.search.name),
      requests: encodeSearches(calls.collection, calls.vectors.queries, calls.limit, false),
    },
  ];
}
