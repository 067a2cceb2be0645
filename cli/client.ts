import type { Client } from "@connectrpc/connect";
import { createRagplaneClients } from "../client/index.js";
import type { AdminService } from "../gen/ragplane/v1/admin_pb.js";

/** Where the AdminService is and who calls it. */
export interface AdminClientOptions {
  /** Base URL of ragplane's HTTP port, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** An `rp_…` key with the `admin` scope, sent as `authorization: Bearer …`; none when undefined. */
  readonly apiKey?: string;
}

/**
 * A Connect (HTTP/1.1) client of the AdminService, from ragplane's client: request ids,
 * default deadlines, and retries of the reads and revocations when ragplane is unavailable.
 */
export function createAdminClient(options: AdminClientOptions): Client<typeof AdminService> {
  return createRagplaneClients({
    baseUrl: options.url,
    protocol: "connect",
    httpVersion: "1.1",
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
  }).admin;
}
