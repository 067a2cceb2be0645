/**
 * Engine-neutral domain errors. Adapters throw these (never driver errors); the
 * error-mapping interceptor turns each into one deliberate API code.
 */

/** The kinds of named things the stores hold. */
export type ResourceKind =
  | "topic"
  | "collection"
  | "alias"
  | "point"
  | "node"
  | "relationship"
  | "api key"
  | "erasure";

/** A named resource does not exist for the tenant (NOT_FOUND). */
export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
  constructor(
    readonly kind: ResourceKind,
    readonly id: string,
  ) {
    super(`${kind} "${id}" not found`);
  }
}

/** A create named a resource that already exists (ALREADY_EXISTS). */
export class AlreadyExistsError extends Error {
  override readonly name = "AlreadyExistsError";
  constructor(
    readonly kind: ResourceKind,
    readonly id: string,
  ) {
    super(`${kind} "${id}" already exists`);
  }
}

/**
 * The request is well-formed but the stored state forbids it (FAILED_PRECONDITION):
 * a vector of the wrong dimension, an edge to a missing node, a node that still has
 * relationships. `field` names the offending request field where there is one.
 */
export class PreconditionError extends Error {
  override readonly name = "PreconditionError";
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * A filter tests a payload field whose values are stored encrypted, which the engine
 * cannot compare (INVALID_ARGUMENT). `field` is the condition's request path, e.g.
 * `filter.must[0].key`; `key` the payload key it names.
 */
export class UnfilterableFieldError extends Error {
  override readonly name = "UnfilterableFieldError";
  constructor(
    readonly field: string,
    readonly key: string,
  ) {
    super(`payload field ${JSON.stringify(key)} is encrypted at rest and cannot be filtered`);
  }
}

/**
 * An engine cannot be reached or refused the work for now (UNAVAILABLE, retryable).
 * `retryAfterMs`, when known (an open circuit breaker, a full bulkhead), is how long a
 * caller should wait before trying again.
 */
export class EngineUnavailableError extends Error {
  override readonly name: string = "EngineUnavailableError";
  readonly retryAfterMs: number | undefined;
  constructor(
    readonly engine: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(`${engine} is unavailable`, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/**
 * The server itself is stopping and ends the call (UNAVAILABLE, so that clients go to
 * another replica). Expected in a normal stop: logged at info, never as a fault.
 */
export class ShuttingDownError extends EngineUnavailableError {
  override readonly name = "ShuttingDownError";
  constructor() {
    super("ragplane (shutting down)");
  }
}

/** An engine call ran out of the caller's time (DEADLINE_EXCEEDED). */
export class EngineTimeoutError extends Error {
  override readonly name = "EngineTimeoutError";
  constructor(
    readonly engine: string,
    options?: { cause?: unknown },
  ) {
    super(`${engine} did not answer in time`, options);
  }
}

/** Whether a (mapped) failure is the engine's: unreachable, or too slow to answer. */
export function isEngineOutage(error: unknown): boolean {
  return error instanceof EngineUnavailableError || error instanceof EngineTimeoutError;
}

/** The caller cancelled the call (CANCELED). */
export class CancelledError extends Error {
  override readonly name = "CancelledError";
  constructor(options?: { cause?: unknown }) {
    super("the call was cancelled", options);
  }
}

/** Throws the reason of an aborted signal as a domain error, else returns. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  if (reason instanceof EngineTimeoutError || reason instanceof CancelledError) throw reason;
  if (reason instanceof Error && reason.name === "TimeoutError") {
    throw new EngineTimeoutError("request", { cause: reason });
  }
  throw new CancelledError({ cause: reason });
}

/**
 * Called between the steps of long synchronous work, where no signal can fire: throws
 * `CancelledError` or `EngineTimeoutError` when the work must stop, else returns.
 */
export type Checkpoint = () => void;

/** The checkpoint of work bound to `signal`. */
export function signalCheckpoint(signal: AbortSignal | undefined): Checkpoint {
  return () => throwIfAborted(signal);
}
