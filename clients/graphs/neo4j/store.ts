import { auth, driver as createDriver, type Driver } from "neo4j-driver";
import { EngineUnavailableError, NotFoundError, throwIfAborted } from "../../errors.js";
import type { EngineHealth } from "../../health.js";
import type { EnginePolicy } from "../../resilience/engine-policy.js";
import { inRequestOrder } from "../ordering.js";
import type {
  DeleteNodesResult,
  DeleteSubjectResult,
  GraphCounts,
  GraphIds,
  GraphNode,
  GraphRelationship,
  GraphStore,
  LabelMaxAge,
  NeighborhoodsQuery,
  NeighborsQuery,
  PathResult,
  RelationshipInput,
  ShortestPathQuery,
  Subgraph,
  SubjectPage,
} from "../port.js";
import { checkDeleteLimit } from "../subjects.js";
import { checkGraphName } from "./cypher.js";
import { neo4jEngine, toNeo4jEngineError } from "./errors.js";
import { migrate } from "./migrations.js";
import { neighborhoods } from "./neighborhoods.js";
import {
  type Neo4jGraphStoreOptions,
  type ResolvedNeo4jOptions,
  resolveNeo4jOptions,
} from "./options.js";
import { shortestPath } from "./path.js";
import { neo4jPolicy } from "./policy.js";
import { loadRelationships, relationshipsAmong } from "./reads.js";
import { RelationshipTypeConstraints } from "./relationship-types.js";
import { deleteNodesWrittenBefore, listLabelMaxAges, setLabelMaxAge } from "./retention.js";
import { deleteSubject, subjectNodes, subjectRelationships } from "./subjects.js";
import { Transactions } from "./transactions.js";
import { loadNode, loadNodes, neighbors } from "./traversal.js";
import { existingIds, tenantUsage } from "./usage.js";
import { TenantWriteQueue } from "./write-queue.js";
import { deleteNodes, deleteRelationships, upsertNodes, upsertRelationships } from "./writes.js";

export type { Neo4jGraphStoreOptions } from "./options.js";

/**
 * The `GraphStore` on Neo4j 5 (Community or Enterprise) over Bolt, with neo4j-driver.
 *
 * Storage: every node has the label `_RpNode` besides its own labels, and `tenant` and
 * `id` properties unique together (a constraint created by `migrations.ts`); relationships
 * have their own types and `tenant` and `id` properties, unique per type (a constraint
 * per type, created on first use by `RelationshipTypeConstraints`). User property keys
 * are escaped so they cannot clash with those (`conversion.ts`). Labels and properties
 * are parameters; relationship types, which Cypher cannot take as parameters, are written
 * into the query text only after checking them against `graphNamePattern`.
 *
 * Every call is one explicit transaction (`transactions.ts`): bounded by
 * `transactionTimeoutMs` on the server, ended at once when the caller's signal aborts,
 * retried on transient failures; a tenant's writes run one at a time in this process
 * (`write-queue.ts`). Integers come back as JS numbers
 * (`disableLosslessIntegers`); ragplane itself only ever writes doubles.
 */
export class Neo4jGraphStore implements GraphStore {
  private readonly tx: Transactions;
  private readonly writes = new TenantWriteQueue();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly driver: Driver,
    private readonly options: ResolvedNeo4jOptions,
    private readonly relationshipTypes: RelationshipTypeConstraints,
    policy: EnginePolicy,
    private readonly now: () => number,
  ) {
    this.tx = new Transactions(
      driver,
      { database: options.database, timeoutMs: options.transactionTimeoutMs },
      policy,
    );
  }

  /** Pool use: sessions in use now, and the pool's size (`maxPoolSize`). */
  poolUse(): { readonly inUse: number; readonly max: number } {
    return { inUse: this.tx.sessionsInUse, max: this.options.maxPoolSize };
  }

  /**
   * Connects, checks that the database answers, and brings its schema up to date.
   * Rejects with `EngineUnavailableError` when Neo4j cannot be reached or refuses the
   * credentials, and with a `TypeError` for invalid options.
   */
  static async connect(options: Neo4jGraphStoreOptions): Promise<Neo4jGraphStore> {
    const resolved = resolveNeo4jOptions(options);
    const driver = createDriver(
      resolved.url,
      resolved.user === undefined ? undefined : auth.basic(resolved.user, resolved.password),
      {
        maxConnectionPoolSize: resolved.maxPoolSize,
        connectionTimeout: resolved.connectionTimeoutMs,
        connectionAcquisitionTimeout: resolved.connectionAcquisitionTimeoutMs,
        disableLosslessIntegers: true,
        userAgent: "ragplane",
        ...(resolved.trustedCertificates.length === 0
          ? {}
          : {
              encrypted: "ENCRYPTION_ON",
              trust: "TRUST_CUSTOM_CA_SIGNED_CERTIFICATES",
              trustedCertificates: [...resolved.trustedCertificates],
            }),
      },
    );
    try {
      await driver.verifyConnectivity({ database: resolved.database });
      await migrate(driver, resolved.database);
      const types = await RelationshipTypeConstraints.load(driver, resolved.database);
      const policy =
        options.policy ??
        neo4jPolicy({
          transactionTimeoutMs: resolved.transactionTimeoutMs,
          maxAttempts: resolved.maxAttempts,
        });
      return new Neo4jGraphStore(driver, resolved, types, policy, options.now ?? Date.now);
    } catch (error) {
      await driver.close().catch(() => undefined);
      throw toNeo4jEngineError(error);
    }
  }

  async upsertNodes(
    tenant: string,
    nodes: readonly GraphNode[],
    signal?: AbortSignal,
  ): Promise<number> {
    return this.writes.run(tenant, signal, () =>
      this.tx.write(signal, (step) => upsertNodes(step, tenant, nodes, this.now())),
    );
  }

  async upsertRelationships(
    tenant: string,
    relationships: readonly RelationshipInput[],
    signal?: AbortSignal,
  ): Promise<string[]> {
    throwIfAborted(signal);
    this.checkOpen();
    relationships.forEach((r, index) => {
      checkGraphName(r.type, `relationships[${index}].type`);
    });
    try {
      await this.relationshipTypes.ensure(
        relationships.map((r) => r.type),
        signal,
      );
    } catch (error) {
      throw toNeo4jEngineError(error, signal);
    }
    return this.writes.run(tenant, signal, () =>
      this.tx.write(signal, (step) => upsertRelationships(step, tenant, relationships, this.now())),
    );
  }

  async getNode(tenant: string, id: string, signal?: AbortSignal): Promise<GraphNode> {
    return this.tx.read(signal, async (step) => {
      const node = await loadNode(step, tenant, id);
      if (!node) throw new NotFoundError("node", id);
      return node;
    });
  }

  async getNodes(
    tenant: string,
    ids: readonly string[],
    signal?: AbortSignal,
  ): Promise<GraphNode[]> {
    if (ids.length === 0) return [];
    return this.tx.read(signal, async (step) => {
      const found = await loadNodes(step, tenant, [...new Set(ids)]);
      return inRequestOrder(ids, found.values());
    });
  }

  async getRelationships(
    tenant: string,
    ids: readonly string[],
    signal?: AbortSignal,
  ): Promise<GraphRelationship[]> {
    if (ids.length === 0) return [];
    return this.tx.read(signal, async (step) =>
      inRequestOrder(ids, await loadRelationships(step, tenant, ids)),
    );
  }

  async relationshipsAmong(
    tenant: string,
    nodeIds: readonly string[],
    types: readonly string[],
    signal?: AbortSignal,
  ): Promise<GraphRelationship[]> {
    return this.tx.read(signal, (step) => relationshipsAmong(step, tenant, nodeIds, types));
  }

  async deleteNodes(
    tenant: string,
    ids: readonly string[],
    detach: boolean,
    signal?: AbortSignal,
  ): Promise<DeleteNodesResult> {
    return this.writes.run(tenant, signal, () =>
      this.tx.write(signal, (step) => deleteNodes(step, tenant, ids, detach)),
    );
  }

  async deleteRelationships(
    tenant: string,
    ids: readonly string[],
    signal?: AbortSignal,
  ): Promise<number> {
    return this.writes.run(tenant, signal, () =>
      this.tx.write(signal, (step) => deleteRelationships(step, tenant, ids)),
    );
  }

  async neighbors(tenant: string, query: NeighborsQuery, signal?: AbortSignal): Promise<Subgraph> {
    return this.tx.read(signal, (step) => neighbors(step, tenant, query));
  }

  async neighborhoods(
    tenant: string,
    query: NeighborhoodsQuery,
    signal?: AbortSignal,
  ): Promise<Map<string, Subgraph>> {
    return this.tx.read(signal, (step) => neighborhoods(step, tenant, query));
  }

  async shortestPath(
    tenant: string,
    query: ShortestPathQuery,
    signal?: AbortSignal,
  ): Promise<PathResult> {
    return this.tx.read(signal, (step) => shortestPath(step, tenant, query));
  }

  async usage(tenant: string, signal?: AbortSignal): Promise<GraphCounts> {
    return this.tx.read(signal, (step) => tenantUsage(step, tenant));
  }

  async countExisting(tenant: string, ids: GraphIds, signal?: AbortSignal): Promise<GraphCounts> {
    return this.tx.read(signal, (step) => existingIds(step, tenant, ids));
  }

  async setLabelMaxAge(
    tenant: string,
    label: string,
    maxAgeMs: number | undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.tx.write(signal, (step) => setLabelMaxAge(step, tenant, label, maxAgeMs));
  }

  async listLabelMaxAges(tenant: string | undefined, signal?: AbortSignal): Promise<LabelMaxAge[]> {
    return this.tx.read(signal, (step) => listLabelMaxAges(step, tenant));
  }

  async deleteNodesWrittenBefore(
    tenant: string,
    label: string,
    beforeMs: number,
    limit: number,
    signal?: AbortSignal,
  ): Promise<DeleteNodesResult> {
    return this.writes.run(tenant, signal, () =>
      this.tx.write(signal, (step) =>
        deleteNodesWrittenBefore(step, tenant, label, beforeMs, limit),
      ),
    );
  }

  async subjectNodes(
    tenant: string,
    subject: string,
    page: SubjectPage,
    signal?: AbortSignal,
  ): Promise<{ readonly nodes: GraphNode[]; readonly nextAfter?: string }> {
    return this.tx.read(signal, (step) => subjectNodes(step, tenant, subject, page));
  }

  async subjectRelationships(
    tenant: string,
    subject: string,
    page: SubjectPage,
    signal?: AbortSignal,
  ): Promise<{ readonly relationships: GraphRelationship[]; readonly nextAfter?: string }> {
    return this.tx.read(signal, (step) => subjectRelationships(step, tenant, subject, page));
  }

  async deleteSubject(
    tenant: string,
    subject: string,
    limit: number,
    signal?: AbortSignal,
  ): Promise<DeleteSubjectResult> {
    checkDeleteLimit(limit);
    return this.writes.run(tenant, signal, () =>
      this.tx.write(signal, (step) => deleteSubject(step, tenant, subject, limit)),
    );
  }

  async health(): Promise<EngineHealth> {
    if (this.tx.isClosed) return { ok: false, detail: "graph store is closed" };
    const signal = AbortSignal.timeout(this.options.healthTimeoutMs);
    try {
      await this.tx.read(signal, (step) => step.run("RETURN 1"));
      return { ok: true };
    } catch (error) {
      if (signal.aborted) return { ok: false, detail: "neo4j did not answer in time" };
      if (error instanceof EngineUnavailableError) {
        return { ok: false, detail: "neo4j is unreachable or refused the connection" };
      }
      return { ok: false, detail: "neo4j failed a health query" };
    }
  }

  async close(): Promise<void> {
    this.tx.close();
    this.closing ??= this.driver.close().catch(() => undefined);
    await this.closing;
  }

  private checkOpen(): void {
    if (this.tx.isClosed) throw new EngineUnavailableError(neo4jEngine);
  }
}
