/**
 * ShortestPath on Neo4j: Cypher's `shortestPath`, a bidirectional breadth-first search in
 * the server, over the allowed types and direction, within `maxDepth` hops, through the
 * tenant's nodes only.
 */
import { NotFoundError } from "../../errors.js";
import type { PathResult, ShortestPathQuery } from "../port.js";
import {
  type NodeRow,
  nodeFromRow,
  nodeProjection,
  type RelationshipRow,
  relationshipFromRow,
  relationshipProjection,
} from "./conversion.js";
import { checkGraphNames, nodeByKey, pathPattern, seekNode } from "./cypher.js";
import type { Step } from "./transactions.js";
import { loadNodes } from "./traversal.js";

const notFound: PathResult = { found: false, nodes: [], relationships: [] };

/**
 * One shortest path from `fromId` to `toId` (see `PathResult`): both must exist (`fromId`
 * is checked first); a node reaches itself with no relationships. Relationships keep
 * their stored direction whichever way they were traversed.
 */
export async function shortestPath(
  step: Step,
  tenant: string,
  query: ShortestPathQuery,
): Promise<PathResult> {
  checkGraphNames(query.types, "types");
  const endpoints = await loadNodes(step, tenant, [query.fromId, query.toId]);
  const from = endpoints.get(query.fromId);
  if (!from) throw new NotFoundError("node", query.fromId);
  if (!endpoints.has(query.toId)) throw new NotFoundError("node", query.toId);
  if (query.fromId === query.toId) return { found: true, nodes: [from], relationships: [] };
  if (query.maxDepth < 1) return notFound;

  const pattern = pathPattern(query.direction, query.types, query.maxDepth);
  const row = await step.one<{ nodes: NodeRow[]; relationships: RelationshipRow[] }>(
    `MATCH ${nodeByKey("a", "$fromId")} ${seekNode("a")}
     MATCH ${nodeByKey("b", "$toId")} ${seekNode("b")}
     MATCH p = shortestPath((a)${pattern}(b))
     WHERE all(n IN nodes(p) WHERE n.tenant = $tenant)
     RETURN [n IN nodes(p) | ${nodeProjection("n")}] AS nodes,
            [r IN relationships(p) | ${relationshipProjection("r", "startNode(r)", "endNode(r)")}]
              AS relationships`,
    { tenant, fromId: query.fromId, toId: query.toId },
  );
  if (!row) return notFound;
  return {
    found: true,
    nodes: row.nodes.map(nodeFromRow),
    relationships: row.relationships.map(relationshipFromRow),
  };
}
