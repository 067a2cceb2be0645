import { randomUUID } from "node:crypto";
import type { Interceptor } from "./call.js";
import { requestIdKey } from "./values.js";

const acceptedRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every call a request id: the client's `x-request-id` when it is a short, safe
 * token, else a new UUID. The id is echoed in the `x-request-id` response header and
 * stored in the call's values for logs and error messages.
 */
export function createRequestIdInterceptor(): Interceptor {
  return (next) => (call, input) => {
    const offered = call.header("x-request-id");
    const id = offered !== undefined && acceptedRequestId.test(offered) ? offered : randomUUID();
    call.values.set(requestIdKey, id);
    call.setResponseHeader("x-request-id", id);
    return next(call, input);
  };
}
