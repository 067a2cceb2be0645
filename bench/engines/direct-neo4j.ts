import neo4j, { type Driver, type Transaction } from "neo4j-driver";
import { nodeProjection, relationshipProjection } from "../../clients/graphs/neo4j/conversion.js";
import { hopPattern, nodeByKey, nodeLabel, seekNode } from "../../clients/graphs/neo4j/cypher.js";
import { compareIds } from "../../clients/graphs/ordering.js";

/** What the baseline traversal returns: the ids of the same `Subgraph` ragplane answers. */
export interface DirectSubgraph {
  /** The start node, then reached nodes by (depth, id). */
  readonly nodeIds: readonly string[];
  /** The followed relationships among them, by id. */
  readonly relationshipIds: readonly string[];
}

/** The Neo4j connection settings of the baseline. */
export interface DirectNeo4jSettings {
  readonly url: string;
  readonly user: string;
  readonly password: string;
}

const database = "neo4j";
const transactionTimeoutMs = 30_000;

const loadStart = `MATCH ${nodeByKey("n", "$id")} ${seekNode("n")} RETURN ${nodeProjection("n")} AS node`;

const expand = `UNWIND $frontier AS id
    MATCH ${nodeByKey("a", "id")}${hopPattern("both", [])}(b:${nodeLabel})
    ${seekNode("a")}
    WHERE b.tenant = $tenant
    WITH DISTINCT b
    RETURN b.id AS id, (size($labels) = 0 OR any(l IN labels(b) WHERE l IN $labels)) AS passes`;

const subgraph = `UNWIND $ids AS id
     MATCH ${nodeByKey("a", "id")} ${seekNode("a")}
     RETURN ${nodeProjection("a")} AS node, COLLECT {
       MATCH (a)${hopPattern("out", [])}(b)
       WHERE b.tenant = $tenant AND $depths[b.id] IS NOT NULL
       RETURN ${relationshipProjection("r", "a", "b")}
     } AS relationships`;

/** Opens a driver with the adapter's settings (pool of 50, numbers as JS numbers). */
export async function connectDirectNeo4j(settings: DirectNeo4jSettings): Promise<Driver> {
  const driver = neo4j.driver(settings.url, neo4j.auth.basic(settings.user, settings.password), {
    maxConnectionPoolSize: 50,
    disableLosslessIntegers: true,
  });
  await driver.verifyConnectivity({ database });
  return driver;
}

/**
 * Neighbors of `nodeId` in both directions over any type, straight through neo4j-driver:
 * the Cypher of ragplane's Neo4j adapter (`traversal.ts`: the start node, one expand
 * query per level, then the returned nodes with the relationships among them), run the
 * same way (one explicit read transaction with a server-side timeout, its own session),
 * with the same breadth-first bookkeeping, (depth, id) order, `limit` cut and
 * relationship filter, but none of ragplane's layers: no gRPC, chain, service, port or
 * row conversion.
 */
export async function directNeighbors(
  driver: Driver,
  tenant: string,
  nodeId: string,
  maxDepth: number,
  limit: number,
): Promise<DirectSubgraph> {
  const session = driver.session({ database, defaultAccessMode: neo4j.session.READ });
  try {
    const tx = session.beginTransaction({ timeout: transactionTimeoutMs });
    try {
      const result = await traverse(tx, tenant, nodeId, maxDepth, limit);
      await tx.commit();
      return result;
    } catch (error) {
      if (tx.isOpen()) await tx.rollback().catch(() => undefined);
      throw error;
    }
  } finally {
    await session.close();
  }
}

async function traverse(
  tx: Transaction,
  tenant: string,
  nodeId: string,
  maxDepth: number,
  limit: number,
): Promise<DirectSubgraph> {
  const start = await tx.run(loadStart, { tenant, id: nodeId });
  if (start.records.length === 0) throw new Error(`node ${nodeId} does not exist`);
  const depthOf = new Map<string, number>([[nodeId, 0]]);
  const reached: string[] = [];
  let frontier = [nodeId];
  for (let depth = 1; depth <= maxDepth && reached.length < limit; depth++) {
    const rows = await tx.run(expand, { tenant, frontier, labels: [] });
    const fresh: string[] = [];
    for (const row of rows.records) {
      const id = row.get("id") as string;
      if (depthOf.has(id)) continue;
      depthOf.set(id, depth);
      if (row.get("passes") as boolean) fresh.push(id);
    }
    if (fresh.length === 0) break;
    fresh.sort(compareIds);
    reached.push(...fresh.slice(0, limit - reached.length));
    frontier = fresh;
  }
  const ids = [nodeId, ...reached];
  const depths = Object.fromEntries(ids.map((id) => [id, depthOf.get(id)!]));
  const rows = await tx.run(subgraph, { tenant, ids, depths });
  const relationshipIds = rows.records
    .flatMap((row) => row.get("relationships") as { id: string; fromId: string; toId: string }[])
    .filter((r) => depths[r.fromId]! < maxDepth || depths[r.toId]! < maxDepth)
    .map((r) => r.id)
    .sort(compareIds);
  return { nodeIds: ids, relationshipIds };
}
