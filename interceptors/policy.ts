import type { DescMethod, Message } from "@bufbuild/protobuf";
import type { NeighborsRequest, ShortestPathRequest } from "../gen/ragplane/v1/graphs_pb.js";
import type { RetrieveRequest } from "../gen/ragplane/v1/retrieval_pb.js";
import type { SearchRequest } from "../gen/ragplane/v1/vectors_pb.js";
import type { BudgetClass } from "../security/rate-limit/port.js";
import type { Scope } from "../security/scopes.js";
import { methodKey } from "./validation.js";

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

/** Neighbors (and Retrieve's expansion) this deep or deeper is expensive. */
export const expensiveNeighborsDepth = 3;
/** ShortestPath this long or longer (5 when unset) is expensive. */
export const expensivePathDepth = 4;

/**
 * THE table of every product RPC's scope, budget and cost, keyed `Service/Method`. A method
 * missing here cannot be served: the chain refuses to build. Health and reflection are
 * not product RPCs and stay open.
 */
export const methodPolicies: Readonly<Record<string, MethodPolicy>> = {
  "ragplane.v1.EventsService/Publish": write("events:write"),
  "ragplane.v1.EventsService/Subscribe": stream("events:read"),
  "ragplane.v1.EventsService/ListTopics": read("events:read"),
  "ragplane.v1.EventsService/CreateTopic": write("events:write"),

  "ragplane.v1.VectorsService/CreateCollection": write("vectors:write"),
  "ragplane.v1.VectorsService/ListCollections": read("vectors:read"),
  "ragplane.v1.VectorsService/GetCollection": read("vectors:read"),
  "ragplane.v1.VectorsService/DeleteCollection": write("vectors:write"),
  "ragplane.v1.VectorsService/Upsert": write("vectors:write"),
  "ragplane.v1.VectorsService/UpsertStream": write("vectors:write"),
  "ragplane.v1.VectorsService/Search": expensiveWhen<SearchRequest>(
    read("vectors:read"),
    (request) => request.exact,
  ),
  "ragplane.v1.VectorsService/Get": read("vectors:read"),
  "ragplane.v1.VectorsService/Delete": write("vectors:write"),
  "ragplane.v1.VectorsService/Count": read("vectors:read"),
  "ragplane.v1.VectorsService/Scroll": read("vectors:read"),
  "ragplane.v1.VectorsService/PutAlias": write("vectors:write"),
  "ragplane.v1.VectorsService/DeleteAlias": write("vectors:write"),
  "ragplane.v1.VectorsService/ListAliases": read("vectors:read"),
  "ragplane.v1.VectorsService/SetCollectionRetention": write("vectors:write"),

  "ragplane.v1.GraphsService/UpsertNodes": write("graphs:write"),
  "ragplane.v1.GraphsService/UpsertRelationships": write("graphs:write"),
  "ragplane.v1.GraphsService/GetNode": read("graphs:read"),
  "ragplane.v1.GraphsService/DeleteNodes": write("graphs:write"),
  "ragplane.v1.GraphsService/DeleteRelationships": write("graphs:write"),
  "ragplane.v1.GraphsService/Neighbors": expensiveWhen<NeighborsRequest>(
    read("graphs:read"),
    (request) => request.maxDepth >= expensiveNeighborsDepth,
  ),
  "ragplane.v1.GraphsService/ShortestPath": expensiveWhen<ShortestPathRequest>(
    read("graphs:read"),
    (request) => (request.maxDepth || 5) >= expensivePathDepth,
  ),

  "ragplane.v1.RetrievalService/Retrieve": expensiveWhen<RetrieveRequest>(
    read("vectors:read", "graphs:read"),
    (request) => (request.expand?.depth ?? 0) >= expensiveNeighborsDepth,
  ),
  "ragplane.v1.RetrievalService/GetLineage": read("vectors:read", "graphs:read"),

  "ragplane.v1.IngestionService/PutIngestion": write(
    "events:read",
    "vectors:write",
    "graphs:write",
  ),
  "ragplane.v1.IngestionService/GetIngestion": read("events:read"),
  "ragplane.v1.IngestionService/ListIngestions": read("events:read"),
  "ragplane.v1.IngestionService/DeleteIngestion": write(
    "events:read",
    "vectors:write",
    "graphs:write",
  ),
  "ragplane.v1.IngestionService/RebuildCollection": stream("events:read", "vectors:write"),

  "ragplane.v1.AdminService/CreateApiKey": admin("write"),
  "ragplane.v1.AdminService/ListApiKeys": admin("read"),
  "ragplane.v1.AdminService/RevokeApiKey": admin("write"),
  "ragplane.v1.AdminService/RevokeToken": admin("write"),
  "ragplane.v1.AdminService/ListAuditEvents": admin("read"),
  "ragplane.v1.AdminService/GetTenantUsage": admin("read"),
  "ragplane.v1.AdminService/Backup": admin("stream"),
};

/** The policy of a method; throws (at build time) when the table lacks it. */
export function policyOf(method: DescMethod): MethodPolicy {
  const policy = methodPolicies[methodKey(method)];
  if (policy === undefined) throw new Error(`${methodKey(method)} has no entry in methodPolicies`);
  return policy;
}
