/**
 * The engine-neutral port of the graphs capability. Services depend on `GraphStore`; the
 * embedded (SQLite) and Neo4j adapters implement it and pass the same contract suite.
 *
 * Rules every adapter honours, so that switching engines never changes results:
 *
 * - **Tenancy.** Every operation is scoped to one tenant. Ids are unique per tenant; the
 *   same id in two tenants names two unrelated nodes, and no operation of one tenant reads,
 *   reaches, deletes or connects to another tenant's nodes or relationships.
 * - **Labels** are a set: adapters return them deduplicated and sorted by `compareIds`.
 * - **Properties** are scalars or homogeneous lists of scalars (Neo4j's rule); numbers are
 *   IEEE-754 doubles and round-trip exactly. Key order carries no meaning.
 * - **Ordering.** Ids compare by Unicode code point (`compareIds`, i.e. UTF-8 byte order),
 *   in the application rather than by an engine's collation. Neighbors returns the start
 *   node first, then nodes by (depth, id); relationships in results of Neighbors are sorted
 *   by id. A shortest path lists its nodes and relationships in path order.
 * - **Relationship ids.** A relationship upserted without an id gets
 *   `deriveRelationshipId(fromId, type, toId)` (see `relationship-id.ts`), so re-upserting
 *   it replaces rather than duplicates it.
 * - **Subjects.** A node or relationship may name the data subject it is about
 *   (`subject`): stored hidden (never among the properties), indexed per tenant, returned
 *   by every read when non-empty, cleared by an upsert without one. `subjectNodes`,
 *   `subjectRelationships` page through a subject's items in id order (`nextAfter`, the
 *   last id returned, only when more may follow) and `deleteSubject` erases them.
 * - **Cancellation.** Every call checks its signal before it starts (and traversals between
 *   levels) and rejects with `CancelledError` / `EngineTimeoutError` from `throwIfAborted`;
 *   an aborted write writes nothing.
 */
import type { EngineHealth } from "../health.js";

/** A property scalar. Numbers are finite doubles. */
export type PropertyScalar = string | number | boolean;

/** A property value: a scalar, or a list whose elements all have the same scalar type. */
export type PropertyValue =
  | PropertyScalar
  | readonly string[]
  | readonly number[]
  | readonly boolean[];

/** Properties of a node or relationship, by key (non-empty keys). */
export type Properties = Readonly<Record<string, PropertyValue>>;

/** A labelled vertex. */
export interface GraphNode {
  /** Unique per tenant. */
  readonly id: string;
  /** A set of labels; returned deduplicated and sorted by `compareIds`. */
  readonly labels: readonly string[];
  /** The node's properties. */
  readonly properties: Properties;
  /**
   * The data subject the node is about (e.g. a person's id), stored apart from the
   * properties and indexed per tenant; absent or empty for none. Reads set it only when
   * non-empty; an upsert without it clears a stored one.
   */
  readonly subject?: string;
}

/** A stored, directed, typed edge. */
export interface GraphRelationship {
  /** Unique per tenant; given on upsert or derived from (fromId, type, toId). */
  readonly id: string;
  /** Id of the start node. */
  readonly fromId: string;
  /** Id of the end node. */
  readonly toId: string;
  /** The relationship type. */
  readonly type: string;
  /** The relationship's properties. */
  readonly properties: Properties;
  /** The data subject the relationship is about, as for nodes; set only when non-empty. */
  readonly subject?: string;
}

/** A relationship to upsert; `id` is optional (derived when absent or empty). */
export interface RelationshipInput {
  /** When absent or empty, `deriveRelationshipId(fromId, type, toId)`. */
  readonly id?: string;
  /** Id of the start node; it must exist in the tenant. */
  readonly fromId: string;
  /** Id of the end node; it must exist in the tenant. */
  readonly toId: string;
  /** The relationship type. */
  readonly type: string;
  /** The relationship's properties (replacing any stored ones). */
  readonly properties: Properties;
  /** The data subject, as for nodes: absent or empty stores none (clearing a stored one). */
  readonly subject?: string;
}

/** Which relationships a traversal follows from a node. */
export type TraversalDirection = "out" | "in" | "both";

/** A breadth-first traversal from one node. */
export interface NeighborsQuery {
  /** The start node; it must exist (`NotFoundError` otherwise). */
  readonly nodeId: string;
  /** Follow outgoing, incoming or all relationships. */
  readonly direction: TraversalDirection;
  /** Follow only relationships of these types; empty means any. */
  readonly types: readonly string[];
  /**
   * Return, and traverse through, only nodes having at least one of these labels; empty
   * means any. The start node is exempt.
   */
  readonly labels: readonly string[];
  /** Hops to go (0 returns the start node alone). */
  readonly maxDepth: number;
  /** At most this many nodes besides the start node. */
  readonly limit: number;
}

/** Breadth-first traversals from several start nodes, each with its own limit. */
export interface NeighborhoodsQuery extends Omit<NeighborsQuery, "nodeId" | "limit"> {
  /** The start nodes (distinct ids), each with the `limit` of its traversal. */
  readonly starts: readonly { readonly nodeId: string; readonly limit: number }[];
}

/**
 * The subgraph a traversal reached.
 *
 * `nodes` holds the start node, then every node reachable within `maxDepth` hops (through
 * nodes that pass the label filter) ordered by (depth, id), where depth is the length of
 * the shortest such path; the first `limit` of them are kept. `relationships` holds, sorted
 * by id, each relationship r = (a → b) of an allowed type whose endpoints are both returned
 * and that the traversal follows: direction "out" or "both" and depth(a) < maxDepth, or
 * direction "in" or "both" and depth(b) < maxDepth.
 */
export interface Subgraph {
  /** The start node first, then reached nodes, nearest first. */
  readonly nodes: readonly GraphNode[];
  /** The relationships followed between returned nodes, sorted by id. */
  readonly relationships: readonly GraphRelationship[];
}

/** A shortest-path question between two nodes. */
export interface ShortestPathQuery {
  /** The start node; it must exist. */
  readonly fromId: string;
  /** The end node; it must exist. */
  readonly toId: string;
  /** Follow only relationships of these types; empty means any. */
  readonly types: readonly string[];
  /** Longest path considered, in hops. */
  readonly maxDepth: number;
  /** Follow outgoing, incoming or all relationships. */
  readonly direction: TraversalDirection;
}

/**
 * One shortest path, if any exists within `maxDepth`. When several paths of the shortest
 * length exist, which one is returned is the engine's choice. `fromId === toId` is found
 * with that one node and no relationships.
 */
export interface PathResult {
  /** True when a path exists within `maxDepth`. */
  readonly found: boolean;
  /** The nodes along the path, from `fromId` to `toId`; empty when not found. */
  readonly nodes: readonly GraphNode[];
  /**
   * The relationships along the path, in order, as stored (a relationship traversed
   * against its direction keeps its own fromId and toId); empty when not found.
   */
  readonly relationships: readonly GraphRelationship[];
}

/** What a node deletion removed. */
export interface DeleteNodesResult {
  /** Nodes that existed and were deleted. */
  readonly deleted: number;
  /** Distinct relationships deleted with them (detach only). */
  readonly relationshipsDeleted: number;
}

/** A page of a subject's items: at most `limit`, after the id `after` (from the start when absent). */
export interface SubjectPage {
  /** Most items to return (a positive integer). */
  readonly limit: number;
  /** Return only items whose id sorts after this one (`compareIds`). */
  readonly after?: string;
}

/** What `GraphStore.deleteSubject` removed. */
export interface DeleteSubjectResult {
  /** Nodes of the subject deleted. */
  readonly nodes: number;
  /**
   * Distinct relationships deleted: those of the subject, and those detached with the
   * subject's nodes (whatever their subject).
   */
  readonly relationships: number;
}

/** How many nodes and relationships: a tenant's, or those of a list of ids that exist. */
export interface GraphCounts {
  readonly nodes: number;
  readonly relationships: number;
}

/** Ids to look up with `GraphStore.countExisting`. */
export interface GraphIds {
  readonly nodeIds: readonly string[];
  readonly relationshipIds: readonly string[];
}

/** How long a tenant keeps nodes of one label, as the retention sweeper sees it. */
export interface LabelMaxAge {
  readonly tenant: string;
  readonly label: string;
  /** How long a node with the label is kept after its last write, in ms (positive). */
  readonly maxAgeMs: number;
}

/**
 * A tenant-scoped property graph. Every upsert stamps what it writes with the time of the
 * write (hidden from properties), which `deleteNodesWrittenBefore` compares against. Methods reject with the domain errors of
 * `clients/errors.ts` only.
 */
export interface GraphStore {
  /**
   * Creates or replaces nodes by id in one transaction: a replaced node gets exactly the
   * given labels and properties. A later duplicate in the batch wins.
   * @returns the number of nodes written (the batch length).
   */
  upsertNodes(tenant: string, nodes: readonly GraphNode[], signal?: AbortSignal): Promise<number>;

  /**
   * Creates or replaces relationships by id in one transaction: a replaced relationship
   * gets exactly the given endpoints, type and properties. A later duplicate in the batch
   * wins. When an endpoint does not exist in the tenant, rejects with `PreconditionError`
   * (field `relationships[i].from_id` or `relationships[i].to_id`, first in batch order,
   * from before to) and writes nothing.
   * @returns the id of each relationship, in input order (derived where none was given).
   */
  upsertRelationships(
    tenant: string,
    relationships: readonly RelationshipInput[],
    signal?: AbortSignal,
  ): Promise<string[]>;

  /** Returns one node; rejects with `NotFoundError("node", id)` when it does not exist. */
  getNode(tenant: string, id: string, signal?: AbortSignal): Promise<GraphNode>;

  /**
   * The nodes of `ids` that exist, in the order of `ids`, each once (missing ids are left
   * out, repeats answered once), in one round trip to the engine.
   */
  getNodes(tenant: string, ids: readonly string[], signal?: AbortSignal): Promise<GraphNode[]>;

  /**
   * The relationships of `ids` that exist, whatever their type, in the order of `ids`,
   * each once (missing ids are left out, repeats answered once).
   */
  getRelationships(
    tenant: string,
    ids: readonly string[],
    signal?: AbortSignal,
  ): Promise<GraphRelationship[]>;

  /**
   * Every relationship of one of `types` (any type when empty) whose two endpoints are
   * both in `nodeIds`, sorted by id: the edges of the subgraph those nodes induce.
   */
  relationshipsAmong(
    tenant: string,
    nodeIds: readonly string[],
    types: readonly string[],
    signal?: AbortSignal,
  ): Promise<GraphRelationship[]>;

  /**
   * Deletes nodes by id in one transaction; missing ids are ignored. With `detach`, their
   * relationships go too. Without it, a node that still has a relationship rejects the call
   * with `PreconditionError` (field `ids[i]`, the first such node) and nothing is deleted.
   */
  deleteNodes(
    tenant: string,
    ids: readonly string[],
    detach: boolean,
    signal?: AbortSignal,
  ): Promise<DeleteNodesResult>;

  /**
   * Deletes relationships by id; missing ids are ignored.
   * @returns the number of relationships that existed and were deleted.
   */
  deleteRelationships(
    tenant: string,
    ids: readonly string[],
    signal?: AbortSignal,
  ): Promise<number>;

  /**
   * Breadth-first traversal from `query.nodeId` (see `Subgraph` for exactly what comes
   * back). Rejects with `NotFoundError("node", nodeId)` when the start node is missing.
   */
  neighbors(tenant: string, query: NeighborsQuery, signal?: AbortSignal): Promise<Subgraph>;

  /**
   * One `neighbors` traversal per start, in one engine call: for each start that exists,
   * exactly the subgraph `neighbors` would answer for it, keyed by its id; starts that do
   * not exist are left out (no `NotFoundError`).
   */
  neighborhoods(
    tenant: string,
    query: NeighborhoodsQuery,
    signal?: AbortSignal,
  ): Promise<Map<string, Subgraph>>;

  /**
   * One shortest path (breadth-first). Rejects with `NotFoundError("node", id)` when an
   * endpoint is missing (`fromId` checked first).
   */
  shortestPath(tenant: string, query: ShortestPathQuery, signal?: AbortSignal): Promise<PathResult>;

  /** How many nodes and relationships the tenant holds, for quotas. */
  usage(tenant: string, signal?: AbortSignal): Promise<GraphCounts>;

  /**
   * How many distinct ids of `ids` the tenant already holds: nodes by id, relationships by
   * id, whatever their type (an upsert replaces those, so they do not grow the graph).
   */
  countExisting(tenant: string, ids: GraphIds, signal?: AbortSignal): Promise<GraphCounts>;

  /**
   * Sets (or, with `undefined`, clears) how long the tenant keeps nodes with `label` after
   * their last write. Stored in the graph engine, so every replica sees it.
   */
  setLabelMaxAge(
    tenant: string,
    label: string,
    maxAgeMs: number | undefined,
    signal?: AbortSignal,
  ): Promise<void>;

  /** The maximum ages of one tenant's labels, or of every tenant's when `tenant` is undefined, by tenant and label. */
  listLabelMaxAges(tenant: string | undefined, signal?: AbortSignal): Promise<LabelMaxAge[]>;

  /**
   * Deletes, with their relationships, at most `limit` of the tenant's nodes with `label`
   * last written before `beforeMs` (ms since the epoch), oldest first. Fewer than `limit`
   * deleted means none are left.
   */
  deleteNodesWrittenBefore(
    tenant: string,
    label: string,
    beforeMs: number,
    limit: number,
    signal?: AbortSignal,
  ): Promise<DeleteNodesResult>;

  /** The tenant's nodes of `subject`, in id order (compareIds), `limit` at a time after `after`. */
  subjectNodes(
    tenant: string,
    subject: string,
    page: { readonly limit: number; readonly after?: string },
    signal?: AbortSignal,
  ): Promise<{ readonly nodes: GraphNode[]; readonly nextAfter?: string }>;

  /** The tenant's relationships of `subject`, in id order, `limit` at a time after `after`. */
  subjectRelationships(
    tenant: string,
    subject: string,
    page: { readonly limit: number; readonly after?: string },
    signal?: AbortSignal,
  ): Promise<{ readonly relationships: GraphRelationship[]; readonly nextAfter?: string }>;

  /**
   * Deletes, in one transaction, at most `limit` relationships of `subject` and at most `limit`
   * nodes of `subject` together with all their relationships (whatever those relationships'
   * subject). Returns what was deleted; fewer than `limit` of each means none are left.
   */
  deleteSubject(
    tenant: string,
    subject: string,
    limit: number,
    signal?: AbortSignal,
  ): Promise<{ readonly nodes: number; readonly relationships: number }>;

  /** Whether the engine can serve requests now. Never rejects. */
  health(): Promise<EngineHealth>;

  /**
   * Releases the engine's resources; later calls reject with `EngineUnavailableError`.
   * Idempotent.
   */
  close(): Promise<void>;
}
