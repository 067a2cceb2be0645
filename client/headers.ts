import { randomUUID } from "node:crypto";
import type { Interceptor } from "@connectrpc/connect";

/**
 * Gives each call an `x-request-id` unless its caller set one: the id the server logs
 * the call under and echoes on errors. Placed outside the retry interceptor, one id
 * covers every attempt of a call.
 */
export function createRequestIdInterceptor(generate: () => string = randomUUID): Interceptor {
  return (next) => (request) => {
    if (!request.header.has("x-request-id")) request.header.set("x-request-id", generate());
    return next(request);
  };
}

/**
 * Presents a credential, an `rp_…` API key or a JWT, as `authorization: Bearer …`,
 * unless the call carries its own `authorization` header.
 */
export function createBearerInterceptor(credential: string): Interceptor {
  const value = `Bearer ${credential}`;
  return (next) => (request) => {
    if (!request.header.has("authorization")) request.header.set("authorization", value);
    return next(request);
  };
}
