import { EngineUnavailableError, isEngineOutage } from "../errors.js";
import { EnginePolicy, type PolicyEvents } from "../resilience/engine-policy.js";
import { breakerAndBulkhead, type ResilienceSettings } from "../resilience/settings.js";
import { redisEngine, toRedisError } from "./errors.js";

/** What Redis's policy is made of. */
export interface RedisPolicyOptions {
  /** Longest wait for a command's reply, in ms. Default 1 000. */
  readonly commandTimeoutMs?: number;
  readonly resilience?: ResilienceSettings;
  readonly events?: PolicyEvents;
}

/**
 * Redis's resilience policy: each command bounded by its timeout (plus a little, ioredis
 * times it out first); an idempotent command retried once when the connection failed
 * (ioredis itself retries none: its offline queue is off); the breaker counts lost
 * connections and timeouts.
 */
export function redisPolicy(options: RedisPolicyOptions = {}): EnginePolicy {
  return new EnginePolicy(
    {
      engine: redisEngine,
      attemptTimeoutMs: (options.commandTimeoutMs ?? 1_000) + 250,
      retries: 1,
      backoff: { initialMs: 25, maxMs: 200 },
      ...breakerAndBulkhead(options.resilience),
      isTransient: (error) => toRedisError(error) instanceof EngineUnavailableError,
      isFault: (error) => isEngineOutage(toRedisError(error)),
    },
    options.events,
  );
}
