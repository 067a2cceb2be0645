/**
 * The versioned schema of the Neo4j graph store. Each migration is a list of idempotent
 * schema statements (`IF NOT EXISTS`); once they have all run, a `(:_RpMigration
 * {version})` node records it. `migrate` applies, in order, the migrations newer than
 * the highest recorded version, so starting a replica is cheap once the schema is current,
 * and two replicas starting at once both succeed.
 *
 * Relationship types are open-ended, so their constraints are not migrations: see
 * `relationship-types.ts`.
 */
import { type Driver, int } from "neo4j-driver";
import { subjectKey, writtenAtKey } from "./conversion.js";
import { labelRetentionLabel, migrationLabel, nodeLabel } from "./cypher.js";

/** The range index of nodes by (tenant, subject, id). */
export const nodeSubjectIndex = "ragplane_node_subject";

/** One step of the schema. */
export interface Migration {
  /** Strictly increasing from 1. */
  readonly version: number;
  /** What it changes, stored on its record. */
  readonly description: string;
  /** Idempotent schema statements, each run in its own transaction. */
  readonly statements: readonly string[];
}

/**
 * The schema, oldest first. Neo4j Community 5.26 has no node key or existence constraints
 * (Enterprise only), but it has property uniqueness constraints on several properties,
 * for nodes and (since 5.7) relationships; each is backed by a range index, which the
 * adapter's lookups by (tenant, id) use.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: "unique (tenant, id) of nodes; unique migration versions",
    statements: [
      `CREATE CONSTRAINT ragplane_node_key IF NOT EXISTS
       FOR (n:${nodeLabel}) REQUIRE (n.tenant, n.id) IS UNIQUE`,
      `CREATE CONSTRAINT ragplane_migration_version IF NOT EXISTS
       FOR (m:${migrationLabel}) REQUIRE m.version IS UNIQUE`,
    ],
  },
  {
    version: 2,
    description: "write times of nodes and relationships; maximum ages of labels",
    statements: [
      `CREATE RANGE INDEX ragplane_node_written_at IF NOT EXISTS
       FOR (n:${nodeLabel}) ON (n.tenant, n.${writtenAtKey})`,
      `CREATE CONSTRAINT ragplane_label_retention_key IF NOT EXISTS
       FOR (l:${labelRetentionLabel}) REQUIRE (l.tenant, l.label) IS UNIQUE`,
      `MATCH (n:${nodeLabel}) WHERE n.${writtenAtKey} IS NULL
       CALL (n) { SET n.${writtenAtKey} = timestamp() } IN TRANSACTIONS OF 10000 ROWS`,
      `MATCH (:${nodeLabel})-[r]->(:${nodeLabel}) WHERE r.${writtenAtKey} IS NULL
       CALL (r) { SET r.${writtenAtKey} = timestamp() } IN TRANSACTIONS OF 10000 ROWS`,
    ],
  },
  {
    version: 3,
    description: "data subjects of nodes (those of relationships are indexed per type)",
    statements: [
      `CREATE RANGE INDEX ${nodeSubjectIndex} IF NOT EXISTS
       FOR (n:${nodeLabel}) ON (n.tenant, n.${subjectKey}, n.id)`,
      // Queries name the index in a hint, which fails while it is still being populated.
      `CALL db.awaitIndex('${nodeSubjectIndex}', 300)`,
    ],
  },
];

const schemaErrorsOfARace: ReadonlySet<string> = new Set([
  "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
  "Neo.ClientError.Schema.ConstraintAlreadyExists",
  "Neo.ClientError.Schema.IndexAlreadyExists",
]);

/**
 * Runs a schema statement in its own (auto-commit) transaction. A statement that lost a
 * race with the same statement of another replica counts as done.
 */
export async function runSchemaStatement(
  driver: Driver,
  database: string,
  statement: string,
): Promise<void> {
  const session = driver.session({ database });
  try {
    await session.run(statement);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== "string" || !schemaErrorsOfARace.has(code)) throw error;
  } finally {
    await session.close();
  }
}

/**
 * Applies the migrations not yet recorded in `database`.
 * @returns the schema version now in place.
 */
export async function migrate(
  driver: Driver,
  database: string,
  all: readonly Migration[] = migrations,
): Promise<number> {
  const current = await appliedVersion(driver, database);
  let version = current;
  for (const migration of all) {
    if (migration.version <= current) continue;
    for (const statement of migration.statements) {
      await runSchemaStatement(driver, database, statement);
    }
    await record(driver, database, migration);
    version = migration.version;
  }
  return version;
}

async function appliedVersion(driver: Driver, database: string): Promise<number> {
  const { records } = await driver.executeQuery(
    `MATCH (m:${migrationLabel}) RETURN coalesce(max(m.version), 0) AS version`,
    {},
    { database },
  );
  return Number(records[0]?.get("version") ?? 0);
}

async function record(driver: Driver, database: string, migration: Migration): Promise<void> {
  await driver.executeQuery(
    `MERGE (m:${migrationLabel} {version: $version})
     ON CREATE SET m.description = $description, m.appliedAt = datetime()`,
    { version: int(migration.version), description: migration.description },
    { database },
  );
}
