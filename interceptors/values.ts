import { randomUUID } from "node:crypto";
import { type ContextValues, createContextKey } from "@connectrpc/connect";
import type { Span } from "@opentelemetry/api";
import type { Principal } from "../security/principal.js";

/** The request id of the call: the client's `x-request-id`; see {@link requestIdOf}. */
export const requestIdKey = createContextKey<string>("", { description: "request id" });

/**
 * The call's request id: the client's `x-request-id` when it offered a safe one, else a
 * UUID made the first time anything asks (a log line, an error, an audit event), so a
 * successful call that nobody logs never pays for one.
 */
export function requestIdOf(call: { readonly values: ContextValues }): string {
  let id = call.values.get(requestIdKey);
  if (id === "") {
    id = randomUUID();
    call.values.set(requestIdKey, id);
  }
  return id;
}

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
