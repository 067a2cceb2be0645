/**
 * Relationship types and their uniqueness constraints. Neo4j indexes and constrains
 * relationship properties per type only, and the types are the users', so every type gets
 * its own `ragplane_rel_<type>` constraint on (tenant, id) the first time it is written.
 * The constraint both keeps ids unique per tenant within the type and backs the index
 * through which a relationship is found by id: a lookup by id matches `[r:A|B|…]` over
 * the types that have such a constraint, which the planner turns into one unique index
 * seek per type. Each type also gets a range index `ragplane_relsubject_<type>` on (tenant,
 * subject, id), through which a subject's relationships are found.
 */
import type { Driver } from "neo4j-driver";
import { throwIfAborted } from "../../errors.js";
import { subjectKey } from "./conversion.js";
import {
  isGraphName,
  quoteName,
  relationshipConstraintName,
  relationshipSubjectIndexName,
  relationshipSubjectIndexPrefix,
} from "./cypher.js";
import { runSchemaStatement } from "./migrations.js";
import type { Step } from "./transactions.js";

const ragplaneTypesQuery = `SHOW CONSTRAINTS YIELD name, type, labelsOrTypes
  WHERE type = 'RELATIONSHIP_UNIQUENESS' AND name STARTS WITH 'ragplane_rel_'
  RETURN labelsOrTypes[0] AS type`;

/**
 * The relationship types that have a ragplane constraint, read inside `step`'s transaction
 * so that types another replica created since this one started are included. Every type
 * gets its constraint before its first relationship, so these are all the types a
 * ragplane relationship can have.
 */
export async function ragplaneRelationshipTypes(step: Step): Promise<string[]> {
  const rows = await step.rows<{ type: string | null }>(ragplaneTypesQuery);
  return rows.map((row) => row.type).filter((type): type is string => !!type && isGraphName(type));
}

const subjectIndexesQuery = `SHOW INDEXES YIELD name, labelsOrTypes
  WHERE name STARTS WITH '${relationshipSubjectIndexPrefix}'
  RETURN labelsOrTypes[0] AS type`;

/**
 * Creates the uniqueness constraint and the subject index of each new relationship type
 * before the first write of that type (schema and data cannot share a transaction). Types known to have one are
 * remembered for the life of the store; concurrent callers needing the same new type
 * share one creation.
 */
export class RelationshipTypeConstraints {
  private readonly known = new Set<string>();
  private readonly pending = new Map<string, Promise<void>>();

  private constructor(
    private readonly driver: Driver,
    private readonly database: string,
  ) {}

  /**
   * Loads the types that already have a constraint, and gives those of them that lack one
   * (written before subjects existed) their subject index.
   */
  static async load(driver: Driver, database: string): Promise<RelationshipTypeConstraints> {
    const constraints = new RelationshipTypeConstraints(driver, database);
    const { records } = await driver.executeQuery(ragplaneTypesQuery, {}, { database });
    const indexed = await driver.executeQuery(subjectIndexesQuery, {}, { database });
    const withIndex = new Set(indexed.records.map((record) => record.get("type") as unknown));
    for (const record of records) {
      const type: unknown = record.get("type");
      if (typeof type !== "string" || !isGraphName(type)) continue;
      if (!withIndex.has(type)) await constraints.createSubjectIndex(type);
      constraints.known.add(type);
    }
    return constraints;
  }

  /** Ensures every type of `types` (graph names, checked by the caller) has its constraint. */
  async ensure(types: Iterable<string>, signal: AbortSignal | undefined): Promise<void> {
    for (const type of new Set(types)) {
      if (this.known.has(type)) continue;
      throwIfAborted(signal);
      let creation = this.pending.get(type);
      if (!creation) {
        creation = this.create(type).finally(() => this.pending.delete(type));
        this.pending.set(type, creation);
      }
      await creation;
    }
  }

  private async create(type: string): Promise<void> {
    await runSchemaStatement(
      this.driver,
      this.database,
      `CREATE CONSTRAINT ${relationshipConstraintName(type)} IF NOT EXISTS
       FOR ()-[r:${quoteName(type)}]-() REQUIRE (r.tenant, r.id) IS UNIQUE`,
    );
    await this.createSubjectIndex(type);
    this.known.add(type);
  }

  private async createSubjectIndex(type: string): Promise<void> {
    await runSchemaStatement(
      this.driver,
      this.database,
      `CREATE RANGE INDEX ${relationshipSubjectIndexName(type)} IF NOT EXISTS
       FOR ()-[r:${quoteName(type)}]-() ON (r.tenant, r.${subjectKey}, r.id)`,
    );
  }
}
