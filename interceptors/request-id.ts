import type { Interceptor } from "./call.js";
import { requestIdKey } from "./values.js";

const acceptedRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every call a request id: the client's `x-request-id` when it is a short, safe
 * token, else a new UUID made when first needed (`requestIdOf`), kept in the call's values
 * for logs, error messages and audit events. A
 * client's own id is echoed in the `x-request-id` response header; a generated one is
 * sent with errors only (by the error mapping), because custom response metadata costs
 * grpc-js about a quarter of a cheap call and a successful call needs no id to be traced.
 */
export function createRequestIdInterceptor(): Interceptor {
  return (next) => (call, input) => {
    const offered = call.header("x-request-id");
    if (offered !== undefined && acceptedRequestId.test(offered)) {
      call.values.set(requestIdKey, offered);
      call.setResponseHeader("x-request-id", offered);
    }
    return next(call, input);
  };
}
