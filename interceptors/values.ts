import { createContextKey } from "@connectrpc/connect";
import type { Span } from "@opentelemetry/api";
import type { Principal } from "../security/principal.js";

/** The request id of the call (from `x-request-id`, or generated). */
export const requestIdKey = createContextKey<string>("", { description: "request id" });

/**
 * The tenant the call acts for, set by the authorization interceptor from the principal
 * and from nowhere else.
 */
export const tenantKey = createContextKey<string>("", { description: "tenant" });

/** The authenticated caller, set by the authentication interceptor. */
export const principalKey = createContextKey<Principal | undefined>(undefined, {
  description: "principal",
});

/** The call's server span, set by the tracing interceptor when tracing is on. */
export const spanKey = createContextKey<Span | undefined>(undefined, { description: "span" });
