import { EngineTimeoutError, EngineUnavailableError } from "../errors.js";
import { EnginePolicy, type PolicyEvents } from "../resilience/engine-policy.js";
import { defaultResilience, type ResilienceSettings } from "../resilience/settings.js";
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
  const resilience = options.resilience ?? defaultResilience;
  return new EnginePolicy(
    {
      engine: redisEngine,
      attemptTimeoutMs: (options.commandTimeoutMs ?? 1_000) + 250,
      retries: 1,
      backoff: { initialMs: 25, maxMs: 200 },
      breaker: { failures: resilience.breakerFailures, openMs: resilience.breakerOpenMs },
      bulkhead: { maxInFlight: resilience.maxInFlight, maxQueued: resilience.maxQueued },
      isTransient: (error) => toRedisError(error) instanceof EngineUnavailableError,
      isFault: (error) => {
        const mapped = toRedisError(error);
        return mapped instanceof EngineUnavailableError || mapped instanceof EngineTimeoutError;
      },
    },
    options.events,
  );
}
