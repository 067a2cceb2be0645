import type Database from "better-sqlite3";
import type { GraphCounts, GraphIds } from "../port.js";

type CountStatement<P> = Database.Statement<[P], { count: number }>;

/** The counting statements of the embedded graph store, prepared once. */
export class GraphUsage {
  private readonly nodes: CountStatement<{ tenant: string }>;
  private readonly relationships: CountStatement<{ tenant: string }>;
  private readonly existingNodes: CountStatement<{ tenant: string; ids: string }>;
  private readonly existingRelationships: CountStatement<{ tenant: string; ids: string }>;

  constructor(db: Database.Database) {
    this.nodes = db.prepare("SELECT count(*) AS count FROM nodes WHERE tenant = @tenant");
    this.relationships = db.prepare(
      "SELECT count(*) AS count FROM relationships INDEXED BY relationships_out WHERE tenant = @tenant",
    );
    const distinctIds = "(SELECT DISTINCT value FROM json_each(@ids))";
    this.existingNodes = db.prepare(
      `SELECT count(*) AS count FROM nodes WHERE tenant = @tenant AND id IN ${distinctIds}`,
    );
    this.existingRelationships = db.prepare(
      `SELECT count(*) AS count FROM relationships WHERE tenant = @tenant AND id IN ${distinctIds}`,
    );
  }

  /** The tenant's nodes and relationships. */
  of(tenant: string): GraphCounts {
    return {
      nodes: this.nodes.get({ tenant })?.count ?? 0,
      relationships: this.relationships.get({ tenant })?.count ?? 0,
    };
  }

  /** How many distinct ids of `ids` the tenant holds. */
  existing(tenant: string, ids: GraphIds): GraphCounts {
    return {
      nodes: count(this.existingNodes, tenant, ids.nodeIds),
      relationships: count(this.existingRelationships, tenant, ids.relationshipIds),
    };
  }
}

function count(
  statement: CountStatement<{ tenant: string; ids: string }>,
  tenant: string,
  ids: readonly string[],
): number {
  if (ids.length === 0) return 0;
  return statement.get({ tenant, ids: JSON.stringify(ids) })?.count ?? 0;
}
