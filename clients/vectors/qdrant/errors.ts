import {
  QdrantClientResourceExhaustedError,
  QdrantClientTimeoutError,
} from "@qdrant/js-client-rest";
import {
  AlreadyExistsError,
  CancelledError,
  EngineTimeoutError,
  EngineUnavailableError,
  NotFoundError,
  PreconditionError,
} from "../../errors.js";

/** The engine name the domain errors carry. */
export const engine = "qdrant";

/** What a failed call was about, so that its error can name it. */
export interface QdrantErrorContext {
  /** The logical collection the call addressed: a 404 or a conflict is about it. */
  readonly collection?: string;
  /** The request field holding the vectors (`points`, `vector`), for dimension errors. */
  readonly vectorField?: string;
}

const unreachableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
]);

const retryableCodes = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);

/**
 * Maps whatever the Qdrant client threw to a domain error (clients/errors.ts), the one
 * place that knows the client's failure shapes: HTTP failures are the client's
 * `ApiError` (`status` plus Qdrant's body `{status: {error}}`), network failures are
 * fetch's `TypeError` with a coded `cause`. Connection failures and 5xx become
 * `EngineUnavailableError`, timeouts `EngineTimeoutError`, 404 `NotFoundError`, 409 or
 * Qdrant's 400 "already exists" `AlreadyExistsError`, a 400 about vector dimensions
 * `PreconditionError`. Anything else is an unexpected `Error` (INTERNAL), cause kept.
 */
export function toDomainError(error: unknown, context: QdrantErrorContext = {}): Error {
  if (isDomainError(error)) return error;
  const status = httpStatus(error);
  if (status !== undefined) return fromStatus(status, qdrantMessage(error), error, context);
  if (error instanceof QdrantClientTimeoutError || errorName(error) === "TimeoutError") {
    return new EngineTimeoutError(engine, { cause: error });
  }
  if (error instanceof QdrantClientResourceExhaustedError) {
    return new EngineUnavailableError(engine, { cause: error });
  }
  const code = networkCode(error);
  if (code === "UND_ERR_CONNECT_TIMEOUT") return new EngineTimeoutError(engine, { cause: error });
  if (code !== undefined && unreachableCodes.has(code)) {
    return new EngineUnavailableError(engine, { cause: error });
  }
  if (error instanceof TypeError && error.message === "fetch failed") {
    return new EngineUnavailableError(engine, { cause: error });
  }
  return new Error("unexpected failure of a qdrant call", { cause: error });
}

/**
 * Whether a failure is Qdrant's (it counts against its circuit breaker): no answer at all,
 * a timeout, 429 or any 5xx. A 4xx is the request's outcome, not the engine's fault.
 */
export function isQdrantFault(error: unknown): boolean {
  const status = httpStatus(error);
  if (status !== undefined) return status === 429 || status >= 500;
  return !(
    error instanceof NotFoundError ||
    error instanceof AlreadyExistsError ||
    error instanceof PreconditionError ||
    error instanceof CancelledError
  );
}

/** Whether repeating the same idempotent request may succeed: dropped connections, 429, 502, 503. */
export function isRetryable(error: unknown): boolean {
  const status = httpStatus(error);
  if (status !== undefined) return status === 429 || status === 502 || status === 503;
  if (error instanceof QdrantClientResourceExhaustedError) return true;
  const code = networkCode(error);
  return code !== undefined && retryableCodes.has(code);
}

/** Qdrant's own error text from a failed HTTP response, if any. */
export function qdrantMessage(error: unknown): string {
  const data = (error as { data?: unknown }).data;
  if (typeof data === "string") return data;
  const text = (data as { status?: { error?: unknown } } | undefined)?.status?.error;
  return typeof text === "string" ? text : "";
}

function fromStatus(
  status: number,
  message: string,
  cause: unknown,
  context: QdrantErrorContext,
): Error {
  const { collection } = context;
  if (status === 404 && collection !== undefined)
    return new NotFoundError("collection", collection);
  const conflict = status === 409 || (status === 400 && /already exists/i.test(message));
  if (conflict && collection !== undefined) {
    return new AlreadyExistsError("collection", collection);
  }
  if (status === 400 && /dimension|expected dim/i.test(message)) {
    return new PreconditionError(
      `vector dimension does not match the collection (${message})`,
      context.vectorField,
    );
  }
  if (status === 408 || status === 504) return new EngineTimeoutError(engine, { cause });
  if (status === 401 || status === 403 || status === 429 || status >= 500) {
    return new EngineUnavailableError(engine, { cause });
  }
  return new Error(`qdrant rejected the request with ${status}: ${message}`, { cause });
}

function isDomainError(error: unknown): error is Error {
  return (
    error instanceof NotFoundError ||
    error instanceof AlreadyExistsError ||
    error instanceof PreconditionError ||
    error instanceof EngineUnavailableError ||
    error instanceof EngineTimeoutError ||
    error instanceof CancelledError
  );
}

function httpStatus(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const status = (error as { status?: unknown }).status;
  return typeof status === "number" && status >= 100 && status <= 599 ? status : undefined;
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error || error instanceof DOMException ? error.name : undefined;
}

/** The first system or undici error code along the cause chain (and inside AggregateErrors). */
function networkCode(error: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && code.length > 0) return code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = networkCode(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return networkCode((error as { cause?: unknown }).cause, depth + 1);
}
