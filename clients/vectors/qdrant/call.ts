import { setTimeout as sleep } from "node:timers/promises";
import type { QdrantClient } from "@qdrant/js-client-rest";
import { EngineTimeoutError, throwIfAborted } from "../../errors.js";
import { engine, isRetryable, type QdrantErrorContext, toDomainError } from "./errors.js";

/** The client's generated REST API: one typed function per endpoint, taking a `RequestInit`. */
export type QdrantApi = ReturnType<QdrantClient["api"]>;

/** How one call is made. */
export interface CallOptions extends QdrantErrorContext {
  /** The caller's cancellation. */
  readonly signal?: AbortSignal | undefined;
  /** Whether repeating the request after a transient failure is harmless. */
  readonly idempotent: boolean;
}

/** Timing of calls. */
export interface CallSettings {
  readonly timeoutMs: number;
  readonly retries: number;
  readonly retryDelayMs: number;
}

/**
 * Makes Qdrant calls through the client's generated API (`client.api()`), which, unlike
 * the client's convenience methods, takes a `RequestInit` and so an `AbortSignal` per
 * request. (The client is built without its own timeout, whose middleware would replace
 * that signal.) Each attempt is bounded by `timeoutMs` and by the caller's signal;
 * idempotent requests are retried after transient failures, within the caller's signal.
 * Every failure leaves as a domain error.
 */
export class QdrantCaller {
  constructor(
    readonly api: QdrantApi,
    private readonly settings: CallSettings,
  ) {}

  /** Runs one request, retrying it when allowed; maps its failure to a domain error. */
  async run<T>(
    request: (api: QdrantApi, init: RequestInit) => Promise<T>,
    options: CallOptions,
  ): Promise<T> {
    const { signal } = options;
    const attempts = options.idempotent ? this.settings.retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(signal);
      const attemptSignal = new AttemptSignal(this.settings.timeoutMs, signal);
      try {
        return await request(this.api, { signal: attemptSignal.signal });
      } catch (error) {
        attemptSignal.dispose();
        throwIfAborted(signal);
        if (attemptSignal.timedOut) throw new EngineTimeoutError(engine, { cause: error });
        if (attempt >= attempts || !isRetryable(error)) throw toDomainError(error, options);
        await this.#pause(attempt, signal);
      } finally {
        attemptSignal.dispose();
      }
    }
  }

  async #pause(attempt: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(this.settings.retryDelayMs * 2 ** (attempt - 1), undefined, { signal });
    } catch {
      throwIfAborted(signal);
    }
  }
}

/**
 * The signal of one attempt: aborted by its timeout or by the caller's signal. Built by
 * hand rather than with `AbortSignal.any`, which leaks when combined with a long-lived
 * signal on some Node versions (nodejs/node#55351), and disposed of after the attempt.
 */
class AttemptSignal {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #caller: AbortSignal | undefined;
  readonly #onAbort = () => this.#controller.abort(this.#caller?.reason);
  timedOut = false;

  constructor(timeoutMs: number, caller: AbortSignal | undefined) {
    this.#caller = caller;
    this.#timer = setTimeout(() => {
      this.timedOut = true;
      this.#controller.abort(new DOMException("qdrant request timed out", "TimeoutError"));
    }, timeoutMs);
    caller?.addEventListener("abort", this.#onAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener("abort", this.#onAbort);
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
