import {
  CancelledError,
  EngineTimeoutError,
  EngineUnavailableError,
  NotFoundError,
  PreconditionError,
} from "../../errors.js";

const engine = "graph store (sqlite)";
const unavailableCodes = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN)/;

/**
 * Maps what better-sqlite3 throws to the domain errors of `clients/errors.ts`: a busy,
 * locked, full, unreadable or closed database is `EngineUnavailableError`; domain errors
 * pass through; anything else (a bug, a corrupt file) is returned as is, to surface as
 * INTERNAL.
 */
export function toGraphEngineError(error: unknown): unknown {
  if (
    error instanceof NotFoundError ||
    error instanceof PreconditionError ||
    error instanceof CancelledError ||
    error instanceof EngineTimeoutError ||
    error instanceof EngineUnavailableError
  ) {
    return error;
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && unavailableCodes.test(code)) {
      return new EngineUnavailableError(engine, { cause: error });
    }
    if (error instanceof TypeError && /database connection is not open/.test(error.message)) {
      return new EngineUnavailableError(engine, { cause: error });
    }
  }
  return error;
}
