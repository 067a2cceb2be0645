import type { Client } from "@connectrpc/connect";
import { createRagplaneClients } from "../client/index.js";
import type { AdminService } from "../gen/ragplane/v1/admin_pb.js";
import type { ComplianceService } from "../gen/ragplane/v1/compliance_pb.js";

/** Where ragplane is and who calls it. */
export interface OperatorClientOptions {
  /** Base URL of ragplane's HTTP port, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** An `rp_…` key with the `admin` scope, sent as `authorization: Bearer …`; none when undefined. */
  readonly apiKey?: string;
}

/** The services an operator's commands call. */
export interface OperatorClients {
  readonly admin: Client<typeof AdminService>;
  readonly compliance: Client<typeof ComplianceService>;
}

/**
 * Connect (HTTP/1.1) clients of the AdminService and the ComplianceService, from ragplane's
 * client: request ids, default deadlines, and retries of what the contract marks safe to
 * retry when ragplane is unavailable.
 */
export function createOperatorClients(options: OperatorClientOptions): OperatorClients {
  const { admin, compliance } = createRagplaneClients({
    baseUrl: options.url,
    protocol: "connect",
    httpVersion: "1.1",
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
  });
  return { admin, compliance };
}
