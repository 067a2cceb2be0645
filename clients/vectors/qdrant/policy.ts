import { EnginePolicy, type PolicyEvents } from "../../resilience/engine-policy.js";
import { breakerAndBulkhead, type ResilienceSettings } from "../../resilience/settings.js";
import { engine, isQdrantFault, isRetryable } from "./errors.js";

/** What Qdrant's policy is made of. */
export interface QdrantPolicyOptions {
  /** Longest single request, in ms. Default 10 000. */
  readonly timeoutMs?: number;
  /** Retries of an idempotent request after a transient failure. Default 2. */
  readonly retries?: number;
  /** Pause before the first retry, in ms; doubled (with jitter) up to 1 s. Default 100. */
  readonly retryDelayMs?: number;
  readonly resilience?: ResilienceSettings;
  readonly events?: PolicyEvents;
}

/**
 * Qdrant's resilience policy: each request bounded by `timeoutMs`; retried on dropped
 * connections, 429, 502 and 503 when idempotent; the breaker counts those, 5xx and
 * timeouts as faults.
 */
export function qdrantPolicy(options: QdrantPolicyOptions = {}): EnginePolicy {
  return new EnginePolicy(
    {
      engine,
      attemptTimeoutMs: options.timeoutMs ?? 10_000,
      retries: options.retries ?? 2,
      backoff: { initialMs: options.retryDelayMs ?? 100, maxMs: 1_000 },
      ...breakerAndBulkhead(options.resilience),
      isTransient: isRetryable,
      isFault: isQdrantFault,
    },
    options.events,
  );
}
