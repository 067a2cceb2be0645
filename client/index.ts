import { type Client, createClient } from "@connectrpc/connect";
import { AdminService } from "../gen/ragplane/v1/admin_pb.js";
import { ComplianceService } from "../gen/ragplane/v1/compliance_pb.js";
import { EventsService } from "../gen/ragplane/v1/events_pb.js";
import { GraphsService } from "../gen/ragplane/v1/graphs_pb.js";
import { IngestionService } from "../gen/ragplane/v1/ingestion_pb.js";
import { RetrievalService } from "../gen/ragplane/v1/retrieval_pb.js";
import { VectorsService } from "../gen/ragplane/v1/vectors_pb.js";
import { createRagplaneTransport, type RagplaneTransportOptions } from "./transport.js";

export { createBearerInterceptor, createRequestIdInterceptor } from "./headers.js";
export {
  defaultReadTimeoutMs,
  defaultRetryPolicy,
  defaultTimeoutMs,
  defaultWriteTimeoutMs,
  isRetryable,
  type RetryPolicy,
} from "./policy.js";
export { createRetryInterceptor, type RetryOptions } from "./retry.js";
export { retryDelayMs } from "./retry-delay.js";
export {
  createRagplaneTransport,
  type RagplaneProtocol,
  type RagplaneTransportOptions,
  withDefaultTimeouts,
} from "./transport.js";

/** Options of {@link createRagplaneClients}. */
export type RagplaneClientOptions = RagplaneTransportOptions;

/** Typed clients of every ragplane service, sharing one transport. */
export interface RagplaneClients {
  readonly events: Client<typeof EventsService>;
  readonly vectors: Client<typeof VectorsService>;
  readonly graphs: Client<typeof GraphsService>;
  readonly ingestion: Client<typeof IngestionService>;
  readonly retrieval: Client<typeof RetrievalService>;
  readonly admin: Client<typeof AdminService>;
  readonly compliance: Client<typeof ComplianceService>;
}

/**
 * Clients of every service (events, vectors, graphs, ingestion, retrieval, admin,
 * compliance) over one transport (see {@link createRagplaneTransport}): each call gets an `x-request-id`, a
 * deadline, the credential, and retries where the contract allows them.
 */
export function createRagplaneClients(options: RagplaneClientOptions): RagplaneClients {
  const transport = createRagplaneTransport(options);
  return {
    events: createClient(EventsService, transport),
    vectors: createClient(VectorsService, transport),
    graphs: createClient(GraphsService, transport),
    ingestion: createClient(IngestionService, transport),
    retrieval: createClient(RetrievalService, transport),
    admin: createClient(AdminService, transport),
    compliance: createClient(ComplianceService, transport),
  };
}
