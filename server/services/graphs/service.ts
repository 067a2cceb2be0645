import type { GraphStore } from "../../../clients/graphs/port.js";
import type { GraphsService } from "../../../gen/ragplane/v1/graphs_pb.js";
import { toMaxAgeDuration, toMaxAgeMs } from "../../retention/max-age.js";
import type { ServiceHandlers } from "../handlers.js";
import {
  graphItemConverters,
  toGraphNode,
  toNodeInit,
  toRelationshipInit,
  toRelationshipInput,
  toTraversalDirection,
} from "./convert.js";

/** Neighbors hops when the request leaves `max_depth` at 0. */
export const defaultNeighborsDepth = 1;
/** Neighbors nodes (besides the start node) when the request leaves `limit` at 0. */
export const defaultNeighborsLimit = 100;
/** ShortestPath hops when the request leaves `max_depth` at 0. */
export const defaultPathDepth = 5;

/**
 * The GraphsService implementation: converts messages to the `GraphStore` port's types and
 * back, scoping every call to the caller's tenant and applying the proto's defaults.
 * Requests have passed `graphsValidators`; the port's domain errors propagate to the
 * error-mapping interceptor.
 */
export function createGraphsService(
  store: GraphStore,
): ServiceHandlers<typeof GraphsService.method> {
  return {
    async upsertNodes(request, { tenant, signal }) {
      const upserted = await store.upsertNodes(tenant, request.nodes.map(toGraphNode), signal);
      return { upserted };
    },

    async upsertRelationships(request, { tenant, signal }) {
      const inputs = request.relationships.map(toRelationshipInput);
      const ids = await store.upsertRelationships(tenant, inputs, signal);
      return { upserted: ids.length, ids };
    },

    async getNode(request, { tenant, signal }) {
      return { node: toNodeInit(await store.getNode(tenant, request.id, signal)) };
    },

    async deleteNodes(request, { tenant, signal }) {
      return store.deleteNodes(tenant, request.ids, request.detach, signal);
    },

    async deleteRelationships(request, { tenant, signal }) {
      return { deleted: await store.deleteRelationships(tenant, request.ids, signal) };
    },

    async neighbors(request, { tenant, signal }) {
      const subgraph = await store.neighbors(
        tenant,
        {
          nodeId: request.nodeId,
          direction: toTraversalDirection(request.direction),
          types: request.types,
          labels: request.labels,
          maxDepth: request.maxDepth || defaultNeighborsDepth,
          limit: request.limit || defaultNeighborsLimit,
        },
        signal,
      );
      const convert = graphItemConverters(request.withLineage);
      return {
        nodes: subgraph.nodes.map(convert.node),
        relationships: subgraph.relationships.map(convert.relationship),
      };
    },

    async setLabelRetention(request, { tenant, signal }) {
      const maxAgeMs = toMaxAgeMs(request.maxAge);
      await store.setLabelMaxAge(tenant, request.label, maxAgeMs, signal);
      return { retention: { label: request.label, maxAge: toMaxAgeDuration(maxAgeMs) } };
    },

    async listLabelRetentions(_request, { tenant, signal }) {
      const retentions = await store.listLabelMaxAges(tenant, signal);
      return {
        retentions: retentions.map((entry) => ({
          label: entry.label,
          maxAge: toMaxAgeDuration(entry.maxAgeMs),
        })),
      };
    },

    async shortestPath(request, { tenant, signal }) {
      const path = await store.shortestPath(
        tenant,
        {
          fromId: request.fromId,
          toId: request.toId,
          types: request.types,
          maxDepth: request.maxDepth || defaultPathDepth,
          direction: toTraversalDirection(request.direction),
        },
        signal,
      );
      return {
        found: path.found,
        nodes: path.nodes.map(toNodeInit),
        relationships: path.relationships.map(toRelationshipInit),
      };
    },
  };
}
