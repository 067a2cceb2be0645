import type { QdrantClient } from "@qdrant/js-client-rest";
import type { EnginePolicy } from "../../resilience/engine-policy.js";
import { type QdrantErrorContext, toDomainError } from "./errors.js";
import type { QdrantHttp } from "./http.js";

/** The client's generated REST API: one typed function per endpoint, taking a `RequestInit`. */
export type QdrantApi = ReturnType<QdrantClient["api"]>;

/** How one call is made. */
export interface CallOptions extends QdrantErrorContext {
  /** The caller's cancellation. */
  readonly signal?: AbortSignal | undefined;
  /** Whether repeating the request after a transient failure is harmless. */
  readonly idempotent: boolean;
}

/**
 * Makes Qdrant calls through the client's generated API (`client.api()`), which, unlike
 * the client's convenience methods, takes a `RequestInit` and so an `AbortSignal` per
 * request. (The client is built without its own timeout, whose middleware would replace
 * that signal.) Every request runs under Qdrant's `EnginePolicy` (timeout, retries of
 * idempotent requests, breaker, bulkhead: see `policy.ts`); every failure leaves as a
 * domain error.
 */
export class QdrantCaller {
  constructor(
    readonly api: QdrantApi,
    readonly policy: EnginePolicy,
    readonly http: QdrantHttp,
  ) {}

  /**
   * Makes one request of the per-call path (search, point writes and reads) through the
   * lean HTTP pool (http.ts) under the same policy; `path` is below the REST endpoint.
   */
  async send<T>(
    method: "POST" | "PUT",
    path: string,
    body: unknown,
    options: CallOptions,
  ): Promise<T> {
    try {
      return await this.policy.run((signal) => this.http.call<T>(method, path, body, signal), {
        idempotent: options.idempotent,
        signal: options.signal,
      });
    } catch (error) {
      throw toDomainError(error, options);
    }
  }

  /** Runs one request under the policy; maps its failure to a domain error. */
  async run<T>(
    request: (api: QdrantApi, init: RequestInit) => Promise<T>,
    options: CallOptions,
  ): Promise<T> {
    try {
      return await this.policy.run((signal) => request(this.api, { signal }), {
        idempotent: options.idempotent,
        signal: options.signal,
      });
    } catch (error) {
      throw toDomainError(error, options);
    }
  }
}

/** The `result` of a Qdrant response; a response without one is an unexpected failure. */
export function resultOf<T>(response: { readonly data: { readonly result?: T | null } }): T {
  const { result } = response.data;
  if (result === undefined || result === null) {
    throw new Error("qdrant answered without a result");
  }
  return result;
}
