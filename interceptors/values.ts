import { createContextKey } from "@connectrpc/connect";

/** The request id of the call (from `x-request-id`, or generated). */
export const requestIdKey = createContextKey<string>("", { description: "request id" });

/**
 * The tenant the call acts for. Set by authentication from the principal; until a
 * principal is established every call belongs to the single default tenant.
 */
export const tenantKey = createContextKey<string>("default", { description: "tenant" });
