import type { Interceptor } from "../../interceptors/call.js";
import { tenantKey } from "../../interceptors/values.js";

/** The tenant every call of the empty chain acts for, as the full chain's tokens do. */
export const benchTenant = "default";

/**
 * The baseline the chain is measured against: one interceptor that only sets the tenant
 * (services refuse a call without one). No request id, logging, error mapping, deadline,
 * authentication, authorization, rate limit or validation; the `authorization` header
 * the client sends is ignored.
 */
export const emptyChain: readonly Interceptor[] = [
  (next) => (call, input) => {
    call.values.set(tenantKey, benchTenant);
    return next(call, input);
  },
];
