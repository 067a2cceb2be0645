import { isRetryableError, Neo4jError } from "neo4j-driver";
import {
  AlreadyExistsError,
  CancelledError,
  EngineTimeoutError,
  EngineUnavailableError,
  NotFoundError,
  PreconditionError,
  throwIfAborted,
} from "../../errors.js";

/** The engine name carried by this adapter's `EngineUnavailableError` / `EngineTimeoutError`. */
export const neo4jEngine = "graph store (neo4j)";

const timeoutCodes: ReadonlySet<string> = new Set([
  "Neo.ClientError.Transaction.TransactionTimedOut",
  "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
  "Neo.TransientError.Transaction.LockAcquisitionTimeout",
]);

const unavailableCodes: ReadonlySet<string> = new Set([
  "ServiceUnavailable",
  "SessionExpired",
  "Neo.ClientError.Security.Unauthorized",
  "Neo.ClientError.Security.AuthenticationRateLimit",
  "Neo.ClientError.Security.CredentialsExpired",
  "Neo.ClientError.Database.DatabaseNotFound",
  "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase",
]);

/** The code a server or driver error carries, if it is one. */
export function neo4jCode(error: unknown): string | undefined {
  return error instanceof Neo4jError ? error.code : undefined;
}

/**
 * Whether an attempt that failed with `error` may run again as a whole: what the driver
 * calls retryable (connection lost, session expired, transient errors such as deadlocks),
 * and a uniqueness violation, which only a concurrent writer of the same id can cause and
 * which the next attempt of an idempotent upsert resolves.
 */
export function isRetryableNeo4jError(error: unknown): boolean {
  if (!(error instanceof Neo4jError)) return false;
  return isRetryableError(error) || error.code === constraintViolation;
}

const constraintViolation = "Neo.ClientError.Schema.ConstraintValidationFailed";

/** Two transactions waited for each other's locks: concurrent writers, not a failing engine. */
const deadlockDetected = "Neo.TransientError.Transaction.DeadlockDetected";

/**
 * Whether a failure is Neo4j's (it counts against its circuit breaker): no connection, a
 * lost session, refused credentials, a missing database, a transient server error, a
 * closed pool. A query's own outcome (a constraint, a timeout of its transaction, a
 * deadlock with a concurrent writer) is not.
 */
export function isNeo4jFault(error: unknown): boolean {
  const code = neo4jCode(error);
  if (code === undefined) return false;
  if (code === constraintViolation || code === deadlockDetected || timeoutCodes.has(code)) {
    return false;
  }
  if (unavailableCodes.has(code) || code.startsWith("Neo.TransientError.")) return true;
  return error instanceof Neo4jError && /pool is closed|driver.*closed/i.test(error.message);
}

/**
 * Maps what neo4j-driver throws to the domain errors of `clients/errors.ts`. When `signal`
 * is aborted, its reason wins (the driver then reports the transaction that was cut short
 * as terminated). Connection, authentication and missing-database errors are
 * `EngineUnavailableError`; transaction and lock timeouts `EngineTimeoutError`; other
 * transient errors `EngineUnavailableError`; a constraint violation that outlived the
 * retries `AlreadyExistsError`, or `PreconditionError` for a node that still has
 * relationships. Domain errors pass through; anything else (a bug) is returned as is, to
 * surface as INTERNAL.
 */
export function toNeo4jEngineError(error: unknown, signal?: AbortSignal): unknown {
  if (isDomainError(error)) return error;
  if (signal?.aborted) return abortError(signal);
  const code = neo4jCode(error);
  if (code === undefined) return error;
  if (timeoutCodes.has(code)) return new EngineTimeoutError(neo4jEngine, { cause: error });
  if (unavailableCodes.has(code) || code.startsWith("Neo.TransientError.")) {
    return new EngineUnavailableError(neo4jEngine, { cause: error });
  }
  if (!(error instanceof Neo4jError)) return error;
  if (code === constraintViolation) return constraintError(error);
  if (/pool is closed|driver.*closed/i.test(error.message)) {
    return new EngineUnavailableError(neo4jEngine, { cause: error });
  }
  return error;
}

function isDomainError(error: unknown): boolean {
  return (
    error instanceof NotFoundError ||
    error instanceof AlreadyExistsError ||
    error instanceof PreconditionError ||
    error instanceof CancelledError ||
    error instanceof EngineTimeoutError ||
    error instanceof EngineUnavailableError
  );
}

function abortError(signal: AbortSignal): unknown {
  try {
    throwIfAborted(signal);
  } catch (reason) {
    return reason;
  }
  return new CancelledError();
}

/**
 * A constraint violation that outlived the retries. Neo4j reports a uniqueness violation
 * as, e.g., "Relationship(7) already exists with type `KNOWS` and properties `tenant` =
 * 't', `id` = 'r1'" (the kind and id are read from it where the message has that shape),
 * and a plain DELETE of a connected node as "Cannot delete node<7>, because it still has
 * relationships".
 */
function constraintError(error: Neo4jError): AlreadyExistsError | PreconditionError {
  if (/still has relationships/.test(error.message)) {
    const result = new PreconditionError("a node still has relationships; delete them or detach");
    result.cause = error;
    return result;
  }
  const kind = /^\s*Relationship\(/.test(error.message) ? "relationship" : "node";
  const id = /`id` = '((?:[^'\\]|\\.)*)'/.exec(error.message)?.[1] ?? "";
  const result = new AlreadyExistsError(kind, id);
  result.cause = error;
  return result;
}
