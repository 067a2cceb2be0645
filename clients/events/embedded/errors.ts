import { EngineUnavailableError } from "../../errors.js";

const engine = "sqlite";

/** SQLite result codes that mean "cannot serve now" rather than "this request is wrong". */
const unavailableCodes = [
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_FULL",
  "SQLITE_IOERR",
  "SQLITE_CANTOPEN",
  "SQLITE_READONLY",
  "SQLITE_CORRUPT",
  "SQLITE_NOTADB",
];

/**
 * Maps a better-sqlite3 failure to a domain error: storage that is busy, full, read-only,
 * broken or closed becomes `EngineUnavailableError`; anything else (a bug) stays as is.
 */
export function toDomainError(error: unknown): unknown {
  if (error instanceof TypeError && /database connection is not open/i.test(error.message)) {
    return new EngineUnavailableError(engine, { cause: error });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && unavailableCodes.some((prefix) => code.startsWith(prefix))) {
    return new EngineUnavailableError(engine, { cause: error });
  }
  return error;
}

/** The error for any use of a closed log. */
export function closedError(): EngineUnavailableError {
  return new EngineUnavailableError(engine, { cause: new Error("the event log is closed") });
}
