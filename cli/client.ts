import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AdminService } from "../gen/ragplane/v1/admin_pb.js";

/** Where the AdminService is and who calls it. */
export interface AdminClientOptions {
  /** Base URL of ragplane's HTTP port, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** An `rp_…` key with the `admin` scope, sent as `authorization: Bearer …`; none when undefined. */
  readonly apiKey?: string;
}

/** A Connect (HTTP/1.1) client of the AdminService. */
export function createAdminClient(options: AdminClientOptions): Client<typeof AdminService> {
  const { apiKey } = options;
  const authorize: Interceptor = (next) => (request) => {
    if (apiKey !== undefined) request.header.set("authorization", `Bearer ${apiKey}`);
    return next(request);
  };
  const transport = createConnectTransport({
    baseUrl: options.url,
    httpVersion: "1.1",
    interceptors: [authorize],
  });
  return createClient(AdminService, transport);
}
