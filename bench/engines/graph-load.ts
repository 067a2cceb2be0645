import { performance } from "node:perf_hooks";
import { createClient } from "@connectrpc/connect";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { toNodeInit, toRelationshipInit } from "../../server/services/graphs/convert.js";
import { withHeaders } from "../../tests/support/credentials.js";
import { createGrpcJsTransport } from "../../tests/support/grpc-js-transport.js";
import type { BenchChild } from "../children.js";
import { type BenchGraph, chunks } from "./graph.js";
import { whenAvailable } from "./servers.js";

/** How long loading the graph took, in ms. */
export interface GraphLoad {
  readonly nodesMs: number;
  readonly relationshipsMs: number;
  readonly calls: number;
}

const callTimeoutMs = 120_000;

/**
 * Loads `graph` into a ragplane child over its grpc-js port: UpsertNodes, then
 * UpsertRelationships, `batch` items per call, one call at a time. Upserts replace by id,
 * so loading into an engine that already holds the graph leaves it as it was.
 */
export async function loadGraph(
  server: BenchChild,
  graph: BenchGraph,
  batch: number,
): Promise<GraphLoad> {
  const transport = createGrpcJsTransport(`127.0.0.1:${server.port}`);
  const client = createClient(GraphsService, withHeaders(transport, server.headers));
  const options = { timeoutMs: callTimeoutMs };
  try {
    const nodeBatches = chunks(graph.nodes, batch);
    const relationshipBatches = chunks(graph.relationships, batch);
    const started = performance.now();
    for (const [i, nodes] of nodeBatches.entries()) {
      const upsert = () => client.upsertNodes({ nodes: nodes.map(toNodeInit) }, options);
      await (i === 0 ? whenAvailable(upsert) : upsert());
    }
    const nodesDone = performance.now();
    for (const relationships of relationshipBatches) {
      await client.upsertRelationships(
        { relationships: relationships.map(toRelationshipInit) },
        options,
      );
    }
    return {
      nodesMs: nodesDone - started,
      relationshipsMs: performance.now() - nodesDone,
      calls: nodeBatches.length + relationshipBatches.length,
    };
  } finally {
    transport.close();
  }
}
