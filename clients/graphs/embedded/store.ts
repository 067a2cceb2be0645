import { join } from "node:path";
import type Database from "better-sqlite3";
import {
  EngineUnavailableError,
  NotFoundError,
  signalCheckpoint,
  throwIfAborted,
} from "../../errors.js";
import type { EngineHealth } from "../../health.js";
import { backupDatabase, type Snapshottable } from "../../snapshot.js";
import { compareIds, inRequestOrder } from "../ordering.js";
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
import { checkDeleteLimit, fetchSizeOf, pageOf } from "../subjects.js";
import { toGraphEngineError } from "./errors.js";
import { shortestPath } from "./path.js";
import { GraphReaders } from "./readers.js";
import { GraphRetention } from "./retention.js";
import { graphDatabaseFile, openGraphDatabase } from "./schema.js";
import { GraphStatements, nodeFromRow, relationshipFromRow } from "./statements.js";
import { GraphSubjects } from "./subjects.js";
import { neighborhoods, neighbors } from "./traversal.js";
import { GraphUsage } from "./usage.js";
import { GraphWrites } from "./writes.js";

/** Options of `EmbeddedGraphStore.open`. */
export interface EmbeddedGraphStoreOptions {
  /** Directory holding `graphs.sqlite` (and its WAL files); created if missing. */
  readonly dataDir: string;
  /**
   * Threads that run traversals (Neighbors, ShortestPath) off the event loop, each with its
   * own read-only connection; 0 runs them on the event loop. Default {@link defaultReaderThreads}.
   */
  readonly readerThreads?: number;
  /** The reader threads' nice value, 0 to 19. Default `readerNice` (10). */
  readonly readerNice?: number;
  /** The clock that stamps what is written with its write time (ms since the epoch); `Date.now` by default. */
  readonly now?: () => number;
}

/** Reader threads of an embedded graph store unless configured. */
export const defaultReaderThreads = 2;

/**
 * The embedded `GraphStore`: nodes and relationships in one SQLite database
 * (better-sqlite3, WAL), every batch one transaction, traversals as breadth-first search
 * with one indexed query per level. Writes and lookups run synchronously on the event
 * loop, which keeps them short; traversals, which can take hundreds of milliseconds on a
 * large graph, run on reader threads (`GraphReaders`) and stop at the next level once
 * their caller cancels or runs out of time.
 */
export class EmbeddedGraphStore implements GraphStore, Snapshottable {
  private readonly sql: GraphStatements;
  private readonly writes: GraphWrites;
  private readonly counts: GraphUsage;
  private readonly retention: GraphRetention;
  private readonly subjects: GraphSubjects;

  private constructor(
    private readonly db: Database.Database,
    private readonly readers: GraphReaders | undefined,
    now: () => number,
  ) {
    this.sql = new GraphStatements(db);
    this.subjects = new GraphSubjects(db);
    this.writes = new GraphWrites(db, this.sql, this.subjects, now);
    this.counts = new GraphUsage(db);
    this.retention = new GraphRetention(db);
  }

  /** Opens (creating if needed) the graph database in `options.dataDir`. */
  static async open(options: EmbeddedGraphStoreOptions): Promise<EmbeddedGraphStore> {
    const threads = options.readerThreads ?? defaultReaderThreads;
    const db = guard(undefined, () => openGraphDatabase(options.dataDir));
    const readers =
      threads > 0 ? GraphReaders.start(options.dataDir, threads, options.readerNice) : undefined;
    return new EmbeddedGraphStore(db, readers, options.now ?? Date.now);
  }

  async upsertNodes(
    tenant: string,
    nodes: readonly GraphNode[],
    signal?: AbortSignal,
  ): Promise<number> {
    return guard(signal, () => this.writes.upsertNodes(tenant, nodes));
  }

  async upsertRelationships(
    tenant: string,
    relationships: readonly RelationshipInput[],
    signal?: AbortSignal,
  ): Promise<string[]> {
    return guard(signal, () => this.writes.upsertRelationships(tenant, relationships));
  }

  async getNode(tenant: string, id: string, signal?: AbortSignal): Promise<GraphNode> {
    return guard(signal, () => {
      const row = this.sql.getNode.get({ tenant, id });
      if (!row) throw new NotFoundError("node", id);
      return nodeFromRow(row);
    });
  }

  async getNodes(
    tenant: string,
    ids: readonly string[],
    signal?: AbortSignal,
  ): Promise<GraphNode[]> {
    return guard(signal, () => {
      if (ids.length === 0) return [];
      const rows = this.sql.nodesByIds.all({ tenant, ids: JSON.stringify(ids) });
      return inRequestOrder(ids, rows.map(nodeFromRow));
    });
  }

  async getRelationships(
    tenant: string,
    ids: readonly string[],
    signal?: AbortSignal,
  ): Promise<GraphRelationship[]> {
    return guard(signal, () => {
      if (ids.length === 0) return [];
      const rows = this.sql.relationshipsByIds.all({ tenant, ids: JSON.stringify(ids) });
      return inRequestOrder(ids, rows.map(relationshipFromRow));
    });
  }

  async relationshipsAmong(
    tenant: string,
    nodeIds: readonly string[],
    types: readonly string[],
    signal?: AbortSignal,
  ): Promise<GraphRelationship[]> {
    return guard(signal, () => {
      if (nodeIds.length === 0) return [];
      const ids = JSON.stringify(nodeIds);
      const rows =
        types.length > 0
          ? this.sql.relationshipsAmongTyped.all({ tenant, ids, types: JSON.stringify(types) })
          : this.sql.relationshipsAmong.all({ tenant, ids });
      return rows.map(relationshipFromRow).sort((a, b) => compareIds(a.id, b.id));
    });
  }

  async deleteNodes(
    tenant: string,
    ids: readonly string[],
    detach: boolean,
    signal?: AbortSignal,
  ): Promise<DeleteNodesResult> {
    return guard(signal, () => this.writes.deleteNodes(tenant, ids, detach));
  }

  async deleteRelationships(
    tenant: string,
    ids: readonly string[],
    signal?: AbortSignal,
  ): Promise<number> {
    return guard(signal, () => this.writes.deleteRelationships(tenant, ids));
  }

  async neighbors(tenant: string, query: NeighborsQuery, signal?: AbortSignal): Promise<Subgraph> {
    if (this.readers) return this.readers.neighbors(tenant, query, signal).catch(rethrow);
    return guard(signal, () => neighbors(this.sql, tenant, query, signalCheckpoint(signal)));
  }

  async neighborhoods(
    tenant: string,
    query: NeighborhoodsQuery,
    signal?: AbortSignal,
  ): Promise<Map<string, Subgraph>> {
    if (this.readers) return this.readers.neighborhoods(tenant, query, signal).catch(rethrow);
    return guard(signal, () => neighborhoods(this.sql, tenant, query, signalCheckpoint(signal)));
  }

  async shortestPath(
    tenant: string,
    query: ShortestPathQuery,
    signal?: AbortSignal,
  ): Promise<PathResult> {
    if (this.readers) return this.readers.shortestPath(tenant, query, signal).catch(rethrow);
    return guard(signal, () => shortestPath(this.sql, tenant, query, signalCheckpoint(signal)));
  }

  async usage(tenant: string, signal?: AbortSignal): Promise<GraphCounts> {
    return guard(signal, () => this.counts.of(tenant));
  }

  async countExisting(tenant: string, ids: GraphIds, signal?: AbortSignal): Promise<GraphCounts> {
    return guard(signal, () => this.counts.existing(tenant, ids));
  }

  async setLabelMaxAge(
    tenant: string,
    label: string,
    maxAgeMs: number | undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    guard(signal, () => this.retention.set(tenant, label, maxAgeMs));
  }

  async listLabelMaxAges(tenant: string | undefined, signal?: AbortSignal): Promise<LabelMaxAge[]> {
    return guard(signal, () => this.retention.list(tenant));
  }

  async deleteNodesWrittenBefore(
    tenant: string,
    label: string,
    beforeMs: number,
    limit: number,
    signal?: AbortSignal,
  ): Promise<DeleteNodesResult> {
    return guard(signal, () => {
      const ids = this.retention.expired(tenant, label, beforeMs, limit);
      return this.writes.deleteNodes(tenant, ids, true);
    });
  }

  async subjectNodes(
    tenant: string,
    subject: string,
    page: SubjectPage,
    signal?: AbortSignal,
  ): Promise<{ readonly nodes: GraphNode[]; readonly nextAfter?: string }> {
    return guard(signal, () => {
      const limit = fetchSizeOf(page.limit);
      const rows = this.subjects.nodes.all({ tenant, subject, after: page.after ?? "", limit });
      const { items, nextAfter } = pageOf(rows.map(nodeFromRow), page.limit);
      return nextAfter === undefined ? { nodes: items } : { nodes: items, nextAfter };
    });
  }

  async subjectRelationships(
    tenant: string,
    subject: string,
    page: SubjectPage,
    signal?: AbortSignal,
  ): Promise<{ readonly relationships: GraphRelationship[]; readonly nextAfter?: string }> {
    return guard(signal, () => {
      const limit = fetchSizeOf(page.limit);
      const rows = this.subjects.relationships.all({
        tenant,
        subject,
        after: page.after ?? "",
        limit,
      });
      const { items, nextAfter } = pageOf(rows.map(relationshipFromRow), page.limit);
      return nextAfter === undefined
        ? { relationships: items }
        : { relationships: items, nextAfter };
    });
  }

  async deleteSubject(
    tenant: string,
    subject: string,
    limit: number,
    signal?: AbortSignal,
  ): Promise<DeleteSubjectResult> {
    checkDeleteLimit(limit);
    return guard(signal, () => this.writes.deleteSubject(tenant, subject, limit));
  }

  /** Copies the database to `targetDir/graphs.sqlite` while the store keeps serving. */
  async snapshot(targetDir: string, signal?: AbortSignal): Promise<void> {
    if (!this.db.open) throw new EngineUnavailableError("graph store (closed)");
    await backupDatabase(this.db, join(targetDir, graphDatabaseFile), signal);
  }

  async health(): Promise<EngineHealth> {
    if (!this.db.open) return { ok: false, detail: "graph store is closed" };
    try {
      this.db.prepare("SELECT 1").get();
      return { ok: true };
    } catch {
      return { ok: false, detail: "graph store cannot read its database" };
    }
  }

  async close(): Promise<void> {
    await this.readers?.close();
    if (this.db.open) this.db.close();
  }
}

function guard<T>(signal: AbortSignal | undefined, work: () => T): T {
  try {
    throwIfAborted(signal);
    return work();
  } catch (error) {
    throw toGraphEngineError(error);
  }
}

function rethrow(error: unknown): never {
  throw toGraphEngineError(error);
}
