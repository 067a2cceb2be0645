import type { DescMethod, Message } from "@bufbuild/protobuf";
import type { NeighborsRequest, ShortestPathRequest } from "../gen/ragplane/v1/graphs_pb.js";
import type { RetrieveRequest } from "../gen/ragplane/v1/retrieval_pb.js";
import type { SearchRequest } from "../gen/ragplane/v1/vectors_pb.js";
import type { BudgetClass } from "../security/rate-limit/port.js";
import type { Scope } from "../security/scopes.js";
import { methodKey } from "./validation.js";

/** What a data-access entry records as its target. */
export type AccessTarget =
  /** The request field (of the first message, for client streams) naming it. */
  | { readonly field: string; readonly kind: "topic" | "collection" | "alias" }
  /** A fixed name, for RPCs that address no single object (`graph`). */
  | { readonly fixed: string };

/**
 * How calls of an RPC are recorded in the audit trail as data access (`data.write`,
 * `data.delete`, or `data.read` for tenants with read auditing on): the target and
 * counts only, never payloads, vectors, property values or ids.
 */
export interface DataAccess {
  readonly action: "write" | "delete" | "read";
  readonly target: AccessTarget;
  /** The request field whose length is the number of items asked for (e.g. `points`). */
  readonly items?: string;
  /**
   * Response fields that say what was done, recorded as counts (a list as its length, a
   * number or flag as it is). For server streams, of the last message.
   */
  readonly result?: readonly string[];
}

/** What the chain enforces for one RPC: the scopes it needs and the budget it draws from. */
export interface MethodPolicy {
  /** Every one of these must be held (most RPCs need one). */
  readonly scopes: readonly [Scope, ...Scope[]];
  /** Rate-limit budget, which is also the RPC's deadline class. */
  readonly budget: BudgetClass;
  /** Calls are recorded in the audit trail (`admin.call`). */
  readonly audited: boolean;
  /**
   * Whether a (valid) request is expensive: long engine work, of which a tenant may run
   * only a few at once (`EXPENSIVE_CALLS_PER_TENANT`). Never, when absent.
   */
  readonly expensive?: (request: Message) => boolean;
  /** Calls are recorded as data access; never, when absent. */
  readonly access?: DataAccess;
}

type Scopes = readonly [Scope, ...Scope[]];
const read = (...scopes: Scopes): MethodPolicy => ({ scopes, budget: "read", audited: false });
const write = (...scopes: Scopes): MethodPolicy => ({ scopes, budget: "write", audited: false });
const stream = (...scopes: Scopes): MethodPolicy => ({ scopes, budget: "stream", audited: false });
const admin = (budget: BudgetClass): MethodPolicy => ({
  scopes: ["admin"],
  budget,
  audited: true,
});
const expensiveWhen = <R extends Message>(
  policy: MethodPolicy,
  expensive: (request: R) => boolean,
): MethodPolicy => ({ ...policy, expensive: expensive as (request: Message) => boolean });

const audits = (policy: MethodPolicy, access: DataAccess): MethodPolicy => ({
  ...policy,
  access,
});
const topic = { field: "topic", kind: "topic" } as const;
const topicNamed = { field: "name", kind: "topic" } as const;
const collection = { field: "collection", kind: "collection" } as const;
const collectionNamed = { field: "name", kind: "collection" } as const;
const alias = { field: "alias", kind: "alias" } as const;
const graph = { fixed: "graph" } as const;

/** Neighbors (and Retrieve's expansion) this deep or deeper is expensive. */
export const expensiveNeighborsDepth = 3;
/** ShortestPath this long or longer (5 when unset) is expensive. */
export const expensivePathDepth = 4;

/**
 * THE table of every product RPC's scope, budget, cost and data-access auditing, keyed `Service/Method`. A method
 * missing here cannot be served: the chain refuses to build. Health and reflection are
 * not product RPCs and stay open.
 */
export const methodPolicies: Readonly<Record<string, MethodPolicy>> = {
  "ragplane.v1.EventsService/Publish": audits(write("events:write"), {
    action: "write",
    target: topic,
    items: "events",
    result: ["acks"],
  }),
  "ragplane.v1.EventsService/Subscribe": audits(stream("events:read"), {
    action: "read",
    target: topic,
  }),
  "ragplane.v1.EventsService/ListTopics": read("events:read"),
  "ragplane.v1.EventsService/CreateTopic": audits(write("events:write"), {
    action: "write",
    target: topicNamed,
  }),

  "ragplane.v1.VectorsService/CreateCollection": audits(write("vectors:write"), {
    action: "write",
    target: collectionNamed,
  }),
  "ragplane.v1.VectorsService/ListCollections": read("vectors:read"),
  "ragplane.v1.VectorsService/GetCollection": read("vectors:read"),
  "ragplane.v1.VectorsService/DeleteCollection": audits(write("vectors:write"), {
    action: "delete",
    target: collectionNamed,
    result: ["deleted"],
  }),
  "ragplane.v1.VectorsService/Upsert": audits(write("vectors:write"), {
    action: "write",
    target: collection,
    items: "points",
    result: ["upserted"],
  }),
  "ragplane.v1.VectorsService/UpsertStream": audits(write("vectors:write"), {
    action: "write",
    target: collection,
    items: "points",
    result: ["upserted", "batches"],
  }),
  "ragplane.v1.VectorsService/Search": audits(
    expensiveWhen<SearchRequest>(read("vectors:read"), (request) => request.exact),
    { action: "read", target: collection, result: ["hits"] },
  ),
  "ragplane.v1.VectorsService/Get": audits(read("vectors:read"), {
    action: "read",
    target: collection,
    items: "ids",
    result: ["points"],
  }),
  "ragplane.v1.VectorsService/Delete": audits(write("vectors:write"), {
    action: "delete",
    target: collection,
    items: "ids",
    result: ["deleted"],
  }),
  "ragplane.v1.VectorsService/Count": audits(read("vectors:read"), {
    action: "read",
    target: collection,
    result: ["count"],
  }),
  "ragplane.v1.VectorsService/Scroll": audits(read("vectors:read"), {
    action: "read",
    target: collection,
    result: ["points"],
  }),
  "ragplane.v1.VectorsService/PutAlias": audits(write("vectors:write"), {
    action: "write",
    target: alias,
  }),
  "ragplane.v1.VectorsService/DeleteAlias": audits(write("vectors:write"), {
    action: "delete",
    target: alias,
    result: ["deleted"],
  }),
  "ragplane.v1.VectorsService/ListAliases": read("vectors:read"),
  "ragplane.v1.VectorsService/SetCollectionRetention": audits(write("vectors:write"), {
    action: "write",
    target: collectionNamed,
  }),

  "ragplane.v1.GraphsService/UpsertNodes": audits(write("graphs:write"), {
    action: "write",
    target: graph,
    items: "nodes",
    result: ["upserted"],
  }),
  "ragplane.v1.GraphsService/UpsertRelationships": audits(write("graphs:write"), {
    action: "write",
    target: graph,
    items: "relationships",
    result: ["upserted"],
  }),
  "ragplane.v1.GraphsService/GetNode": audits(read("graphs:read"), {
    action: "read",
    target: graph,
    result: ["node"],
  }),
  "ragplane.v1.GraphsService/DeleteNodes": audits(write("graphs:write"), {
    action: "delete",
    target: graph,
    items: "ids",
    result: ["deleted", "relationshipsDeleted"],
  }),
  "ragplane.v1.GraphsService/DeleteRelationships": audits(write("graphs:write"), {
    action: "delete",
    target: graph,
    items: "ids",
    result: ["deleted"],
  }),
  "ragplane.v1.GraphsService/Neighbors": audits(
    expensiveWhen<NeighborsRequest>(
      read("graphs:read"),
      (request) => request.maxDepth >= expensiveNeighborsDepth,
    ),
    { action: "read", target: graph, result: ["nodes", "relationships"] },
  ),
  "ragplane.v1.GraphsService/ShortestPath": audits(
    expensiveWhen<ShortestPathRequest>(
      read("graphs:read"),
      (request) => (request.maxDepth || 5) >= expensivePathDepth,
    ),
    { action: "read", target: graph, result: ["found", "nodes"] },
  ),
  "ragplane.v1.GraphsService/SetLabelRetention": audits(write("graphs:write"), {
    action: "write",
    target: graph,
  }),
  "ragplane.v1.GraphsService/ListLabelRetentions": read("graphs:read"),

  "ragplane.v1.RetrievalService/Retrieve": audits(
    expensiveWhen<RetrieveRequest>(
      read("vectors:read", "graphs:read"),
      (request) => (request.expand?.depth ?? 0) >= expensiveNeighborsDepth,
    ),
    { action: "read", target: collection, result: ["hits"] },
  ),
  "ragplane.v1.RetrievalService/GetLineage": audits(read("vectors:read", "graphs:read"), {
    action: "read",
    target: { fixed: "lineage" },
    result: ["lineage"],
  }),

  "ragplane.v1.IngestionService/PutIngestion": audits(
    write("events:read", "vectors:write", "graphs:write"),
    { action: "write", target: topic },
  ),
  "ragplane.v1.IngestionService/GetIngestion": read("events:read"),
  "ragplane.v1.IngestionService/ListIngestions": read("events:read"),
  "ragplane.v1.IngestionService/DeleteIngestion": audits(
    write("events:read", "vectors:write", "graphs:write"),
    { action: "delete", target: topic, result: ["deleted"] },
  ),
  "ragplane.v1.IngestionService/RebuildCollection": audits(stream("events:read", "vectors:write"), {
    action: "write",
    target: { field: "target", kind: "collection" },
    result: ["read", "projected", "skipped"],
  }),

  "ragplane.v1.AdminService/CreateApiKey": admin("write"),
  "ragplane.v1.AdminService/ListApiKeys": admin("read"),
  "ragplane.v1.AdminService/RevokeApiKey": admin("write"),
  "ragplane.v1.AdminService/RevokeToken": admin("write"),
  "ragplane.v1.AdminService/ListAuditEvents": admin("read"),
  "ragplane.v1.AdminService/GetTenantUsage": admin("read"),
  "ragplane.v1.AdminService/Backup": admin("stream"),
  "ragplane.v1.AdminService/GetTenantSettings": admin("read"),
  "ragplane.v1.AdminService/UpdateTenantSettings": admin("write"),
  "ragplane.v1.AdminService/VerifyAuditTrail": admin("stream"),

  "ragplane.v1.ComplianceService/EraseSubject": admin("stream"),
  "ragplane.v1.ComplianceService/GetErasure": admin("read"),
  "ragplane.v1.ComplianceService/ListErasures": admin("read"),
  "ragplane.v1.ComplianceService/ExportSubject": admin("stream"),
  "ragplane.v1.ComplianceService/RewrapDataKeys": admin("stream"),
};

/** The policy of a method; throws (at build time) when the table lacks it. */
export function policyOf(method: DescMethod): MethodPolicy {
  const policy = methodPolicies[methodKey(method)];
  if (policy === undefined) throw new Error(`${methodKey(method)} has no entry in methodPolicies`);
  return policy;
}
