import { EngineTimeoutError, EngineUnavailableError } from "../errors.js";

/** The engine name carried by the `EngineUnavailableError` / `EngineTimeoutError` of Redis calls. */
export const redisEngine = "redis";

const unavailableCodes: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
]);

const unavailableMessages =
  /^(Connection is closed|Stream isn't writeable|Reached the max retries per request|LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|NOAUTH|WRONGPASS)/;

/**
 * Maps an ioredis failure to a domain error: a command that got no reply in time
 * (`commandTimeoutMs`) is `EngineTimeoutError`; no connection, a dropped one, or a
 * server that cannot serve now (loading, read-only replica, cluster down, auth) is
 * `EngineUnavailableError`. Anything else (a bug, a wrong command) is returned as is.
 */
export function toRedisError(error: unknown): unknown {
  if (error instanceof EngineTimeoutError || error instanceof EngineUnavailableError) return error;
  if (!(error instanceof Error)) return error;
  if (error.message === "Command timed out") {
    return new EngineTimeoutError(redisEngine, { cause: error });
  }
  const code = (error as { code?: unknown }).code;
  if (
    (typeof code === "string" && unavailableCodes.has(code)) ||
    error.name === "MaxRetriesPerRequestError" ||
    unavailableMessages.test(error.message)
  ) {
    return new EngineUnavailableError(redisEngine, { cause: error });
  }
  return error;
}
