import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { withHeaders } from "../../tests/support/credentials.js";
import { createGrpcJsTransport } from "../../tests/support/grpc-js-transport.js";
import type { BenchChild } from "../children.js";
import type { NoisyCalls, QuietCalls } from "./kinds.js";

/** A tenant's calls and credentials. */
export interface TenantCalls<T> {
  readonly headers: Readonly<Record<string, string>>;
  readonly calls: T;
}

/** Requests of each loop whose answers are checked before anything is measured. */
const samples = 3;

/**
 * Asks a few of each loop's requests once and checks the answers, so the figures are
 * known to measure real work: ShortestPath finds the path of the expected length,
 * Neighbors stops at its limit, Searches return `limit` hits, GetCollection counts the
 * points, GetNode returns the node, and the quiet tenant sees none of the noisy tenant's
 * data. Returns what was checked; throws at the first wrong answer.
 */
export async function checkAnswers(
  server: BenchChild,
  noisy: TenantCalls<NoisyCalls>,
  quiet: TenantCalls<QuietCalls>,
): Promise<string[]> {
  const transport = createGrpcJsTransport(`127.0.0.1:${server.port}`);
  const clients = (headers: Readonly<Record<string, string>>) => ({
    graphs: createClient(GraphsService, withHeaders(transport, headers)),
    vectors: createClient(VectorsService, withHeaders(transport, headers)),
  });
  const a = clients(noisy.headers);
  const b = clients(quiet.headers);
  const { spec, limit } = noisy.calls;
  const checked: string[] = [];
  try {
    const hops: number[] = [];
    for (const pair of noisy.calls.pairs.slice(0, samples)) {
      const path = await a.graphs.shortestPath({
        fromId: pair.fromId,
        toId: pair.toId,
        maxDepth: spec.pathDepth,
      });
      ensure(
        path.found && path.relationships.length === pair.hops,
        `ShortestPath ${pair.fromId} → ${pair.toId}: expected ${pair.hops} hops, found ${path.found ? path.relationships.length : "none"}`,
      );
      hops.push(pair.hops);
    }
    checked.push(`ShortestPath found the path over the bridge, ${hops.join(", ")} hops`);
    for (const nodeId of noisy.calls.starts.slice(0, samples)) {
      const { nodes } = await a.graphs.neighbors({
        nodeId,
        maxDepth: spec.neighborsDepth,
        limit: spec.neighborsLimit,
      });
      ensure(
        nodes.length === spec.neighborsLimit + 1,
        `Neighbors of ${nodeId}: ${nodes.length} nodes, expected ${spec.neighborsLimit + 1}`,
      );
    }
    checked.push(`Neighbors stopped at its limit: ${spec.neighborsLimit} nodes and the start`);
    for (const vector of noisy.calls.vectors.queries.slice(0, samples)) {
      const { hits } = await a.vectors.search({
        collection: noisy.calls.collection,
        vector,
        limit,
        exact: true,
      });
      ensure(hits.length === limit, `exact Search: ${hits.length} hits, expected ${limit}`);
    }
    checked.push(`exact Search returned ${limit} hits`);
    const { collection } = await b.vectors.getCollection({ name: quiet.calls.collection });
    ensure(
      Number(collection?.pointCount) === quiet.calls.vectors.spec.points,
      `GetCollection: ${collection?.pointCount} points`,
    );
    const nodeId = quiet.calls.nodeIds[0]!;
    const { node } = await b.graphs.getNode({ id: nodeId });
    ensure(node?.id === nodeId, `GetNode ${nodeId} returned ${node?.id}`);
    const { hits } = await b.vectors.search({
      collection: quiet.calls.collection,
      vector: quiet.calls.vectors.queries[0]!,
      limit: quiet.calls.limit,
    });
    ensure(hits.length === quiet.calls.limit, `quiet Search: ${hits.length} hits`);
    checked.push(
      `the quiet tenant's GetCollection counts ${quiet.calls.vectors.spec.points} points, ` +
        `GetNode returns the node, Search ${quiet.calls.limit} hits`,
    );
    const hidden = await Promise.all([
      codeOf(b.graphs.getNode({ id: noisy.calls.starts[0]! })),
      codeOf(b.vectors.getCollection({ name: noisy.calls.collection })),
    ]);
    ensure(
      hidden.every((code) => code === Code[Code.NotFound]),
      `the quiet tenant reads the noisy tenant's data: ${hidden.join(", ")}`,
    );
    checked.push("the quiet tenant gets NotFound for the noisy tenant's node and collection");
    return checked;
  } finally {
    transport.close();
  }
}

function ensure(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`wrong answer: ${message}`);
}

function codeOf(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => "OK",
    (error: unknown) => (error instanceof ConnectError ? Code[error.code] : String(error)),
  );
}
