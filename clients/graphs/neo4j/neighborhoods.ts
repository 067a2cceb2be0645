import { compareIds } from "../ordering.js";
import type { GraphNode, NeighborhoodsQuery, Subgraph } from "../port.js";
import { checkGraphNames, hopPattern, nodeByKey, nodeLabel, seekNode } from "./cypher.js";
import type { Step } from "./transactions.js";
import { followed, loadNodes, subgraphOf } from "./traversal.js";

/** One start's breadth-first search as it goes. */
interface Search {
  readonly start: GraphNode;
  readonly limit: number;
  readonly depthOf: Map<string, number>;
  readonly seen: Set<string>;
  readonly reached: string[];
  frontier: string[];
}

/**
 * Neighbors from many start nodes in one transaction and a fixed number of queries,
 * however many starts: one to load the starts, one per level expanding the union of every
 * search's frontier, and one for the nodes and relationships of every result. Each
 * search then takes from the level's answer what `neighbors` would have found from its
 * own frontier, so each result is exactly what `neighbors` answers for that start.
 */
export async function neighborhoods(
  step: Step,
  tenant: string,
  query: NeighborhoodsQuery,
): Promise<Map<string, Subgraph>> {
  checkGraphNames(query.types, "types");
  const starts = await loadNodes(
    step,
    tenant,
    query.starts.map((start) => start.nodeId),
  );
  const searches: Search[] = query.starts.flatMap(({ nodeId, limit }) => {
    const start = starts.get(nodeId);
    if (start === undefined) return [];
    return [
      {
        start,
        limit,
        depthOf: new Map([[nodeId, 0]]),
        seen: new Set([nodeId]),
        reached: [],
        frontier: [nodeId],
      },
    ];
  });

  const expand = `UNWIND $frontier AS id
    MATCH ${nodeByKey("a", "id")}${hopPattern(query.direction, query.types)}(b:${nodeLabel})
    ${seekNode("a")}
    WHERE b.tenant = $tenant
    WITH DISTINCT a.id AS from, b
    RETURN from, b.id AS id, (size($labels) = 0 OR any(l IN labels(b) WHERE l IN $labels)) AS passes`;
  for (let depth = 1; depth <= query.maxDepth; depth++) {
    const active = searches.filter((s) => s.frontier.length > 0 && s.reached.length < s.limit);
    if (active.length === 0) break;
    const frontier = [...new Set(active.flatMap((s) => s.frontier))];
    const rows = await step.rows<{ from: string; id: string; passes: boolean }>(expand, {
      tenant,
      frontier,
      labels: query.labels,
    });
    const next = new Map<string, { id: string; passes: boolean }[]>();
    for (const row of rows) {
      const list = next.get(row.from);
      if (list === undefined) next.set(row.from, [row]);
      else list.push(row);
    }
    for (const search of active) {
      const fresh: string[] = [];
      for (const from of search.frontier) {
        for (const row of next.get(from) ?? []) {
          if (search.seen.has(row.id)) continue;
          search.seen.add(row.id);
          if (row.passes) fresh.push(row.id);
        }
      }
      fresh.sort(compareIds);
      for (const id of fresh) search.depthOf.set(id, depth);
      search.reached.push(...fresh.slice(0, search.limit - search.reached.length));
      search.frontier = fresh;
    }
  }

  const depths = new Map<string, number>();
  for (const search of searches) {
    for (const id of [search.start.id, ...search.reached]) depths.set(id, 0);
  }
  const returned = await subgraphOf(step, tenant, query.types, [...depths]);
  return new Map(
    searches.map((search) => [
      search.start.id,
      {
        nodes: [search.start, ...search.reached.map((id) => returned.nodes.get(id)!)],
        relationships: followed(
          returned.relationships,
          new Map([search.start.id, ...search.reached].map((id) => [id, search.depthOf.get(id)!])),
          query,
        ),
      },
    ]),
  );
}
