import { fromBinary } from "@bufbuild/protobuf";
import type { Driver } from "neo4j-driver";
import { NeighborsResponseSchema } from "../../gen/ragplane/v1/graphs_pb.js";
import { benchTenant } from "../chain/empty-chain.js";
import type { BenchChild } from "../children.js";
import type { Cleanup } from "../cleanup.js";
import { BytesClient } from "../grpc-client.js";
import { connectDirectNeo4j, type DirectSubgraph, directNeighbors } from "./direct-neo4j.js";
import {
  type BenchGraph,
  encodeNeighborsRequests,
  generateGraph,
  neighborsPath,
  startNodes,
} from "./graph.js";
import { type GraphLoad, loadGraph } from "./graph-load.js";
import type { EnginesBenchOptions } from "./options.js";
import type { BenchPath } from "./rounds.js";

/** The Neighbors paths, ready to measure, and what setting them up found. */
export interface NeighborsSetup {
  readonly paths: readonly BenchPath[];
  /** How long loading the graph took, per ragplane child. */
  readonly loads: Readonly<Record<string, GraphLoad>>;
  /** Start nodes whose results were compared across the paths. */
  readonly compared: number;
  /** Each difference found, e.g. `ragplane-neo4j from n01234: nodes differ`. */
  readonly mismatches: readonly string[];
  /** Mean size of the compared answers. */
  readonly answerSize: { readonly nodes: number; readonly relationships: number };
}

/** The ragplane children to measure: `neo4j` only when Neo4j is configured. */
export interface NeighborsServers {
  readonly neo4j?: BenchChild;
  readonly embedded: BenchChild;
}

/**
 * Generates the graph, loads it into each child (both at once), connects the direct
 * neo4j-driver baseline, checks on the first start nodes that every path returns the same
 * subgraph, and returns the paths: `neo4j-direct`, `ragplane-neo4j`, `ragplane-embedded`
 * (the first two only with Neo4j). Connections are closed by `cleanup`.
 */
export async function prepareNeighbors(
  options: EnginesBenchOptions,
  servers: NeighborsServers,
  cleanup: Cleanup,
): Promise<NeighborsSetup> {
  const spec = options.graph;
  const graph = generateGraph({ ...spec, seed: options.seed });
  const starts = startNodes(graph, spec.startNodes, options.seed);
  const requests = encodeNeighborsRequests(starts, spec.maxDepth, spec.limit);
  const children = Object.entries(servers).filter(
    (entry): entry is [string, BenchChild] => entry[1] !== undefined,
  );
  const loads = Object.fromEntries(
    await Promise.all(
      children.map(async ([name, child]) => [name, await loadGraph(child, graph, spec.loadBatch)]),
    ),
  ) as Record<string, GraphLoad>;

  const paths: BenchPath[] = [];
  const tenant = benchTenant;
  const neo4j = options.engines.neo4j;
  let driver: Driver | undefined;
  if (neo4j !== undefined && servers.neo4j !== undefined) {
    const connected = await connectDirectNeo4j(neo4j);
    driver = connected;
    cleanup.add("close the neo4j driver", () => connected.close());
    paths.push({
      name: "neo4j-direct",
      description: `neo4j-driver in the bench process, ragplane's Cypher, depth ${spec.maxDepth}, limit ${spec.limit}`,
      call: cycle(starts, (start) =>
        directNeighbors(connected, tenant, start, spec.maxDepth, spec.limit),
      ),
    });
  }
  const clients: [string, BytesClient][] = [];
  for (const [name, child] of children) {
    const client = new BytesClient(`127.0.0.1:${child.port}`, child.headers);
    cleanup.add(`close the ${name} client`, () => client.close());
    await client.ready();
    clients.push([name, client]);
    paths.push({
      name: `ragplane-${name}`,
      description: `Neighbors over grpc-js, ${name === "neo4j" ? "Neo4j" : "embedded"} engine, depth ${spec.maxDepth}, limit ${spec.limit}`,
      server: child,
      call: cycle(requests, (request) => client.call(neighborsPath, request)),
    });
  }
  const { mismatches, answerSize } = await compare(
    graph,
    starts.slice(0, spec.compared),
    requests,
    clients,
    (start) =>
      driver === undefined
        ? undefined
        : directNeighbors(driver, tenant, start, spec.maxDepth, spec.limit),
  );
  return {
    paths,
    loads,
    compared: Math.min(spec.compared, starts.length),
    mismatches,
    answerSize,
  };
}

/**
 * Compares each ragplane child's answer with the direct baseline's (or, without Neo4j,
 * with the first child's) for each start node; returns the differences and the mean size
 * of the answers.
 */
async function compare(
  graph: BenchGraph,
  starts: readonly string[],
  requests: readonly Buffer[],
  clients: readonly [string, BytesClient][],
  direct: (start: string) => Promise<DirectSubgraph> | undefined,
): Promise<Pick<NeighborsSetup, "mismatches" | "answerSize">> {
  const mismatches: string[] = [];
  let nodes = 0;
  let relationships = 0;
  for (const [i, start] of starts.entries()) {
    const answers = await Promise.all(
      clients.map(async ([name, client]) => {
        const response = fromBinary(
          NeighborsResponseSchema,
          await client.call(neighborsPath, requests[i]!),
        );
        return {
          name: `ragplane-${name}`,
          nodeIds: response.nodes.map((node) => node.id),
          relationshipIds: response.relationships.map((r) => r.id),
        };
      }),
    );
    const reference = (await direct(start)) ?? answers[0];
    if (reference === undefined) continue;
    nodes += reference.nodeIds.length;
    relationships += reference.relationshipIds.length;
    if (reference.nodeIds.length < 2 && graph.relationships.length > 0) {
      mismatches.push(`${start}: no neighbours reached, the graph is not loaded`);
    }
    for (const answer of answers) {
      if (!sameList(answer.nodeIds, reference.nodeIds)) {
        mismatches.push(`${answer.name} from ${start}: nodes differ`);
      }
      if (!sameList(answer.relationshipIds, reference.relationshipIds)) {
        mismatches.push(`${answer.name} from ${start}: relationships differ`);
      }
    }
  }
  const count = Math.max(starts.length, 1);
  return { mismatches, answerSize: { nodes: nodes / count, relationships: relationships / count } };
}

/** A call that works on the next of `items` each time, round and round. */
function cycle<T>(
  items: readonly T[],
  call: (item: T) => Promise<unknown>,
): () => Promise<unknown> {
  let next = 0;
  return () => call(items[next++ % items.length]!);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
