/**
 * The breaker and bulkhead sizes an operator sets for every real engine alike; each
 * engine's policy adds what only it knows (timeouts, retries, which failures are
 * transient).
 */
export interface ResilienceSettings {
  /** Consecutive engine faults that open an engine's circuit breaker. */
  readonly breakerFailures: number;
  /** How long an open breaker fails calls at once before it lets one probe through, in ms. */
  readonly breakerOpenMs: number;
  /** Calls one engine may have running at once (per process). */
  readonly maxInFlight: number;
  /** Calls that may wait for one of those slots; one more fails at once. */
  readonly maxQueued: number;
}

/** The defaults of {@link ResilienceSettings}. */
export const defaultResilience: ResilienceSettings = {
  breakerFailures: 5,
  breakerOpenMs: 5_000,
  maxInFlight: 256,
  maxQueued: 1_024,
};

/**
 * The breaker and bulkhead of an engine's policy settings, from the operator's settings
 * (`defaultResilience` when none are given).
 */
export function breakerAndBulkhead(resilience: ResilienceSettings = defaultResilience): {
  readonly breaker: { readonly failures: number; readonly openMs: number };
  readonly bulkhead: { readonly maxInFlight: number; readonly maxQueued: number };
} {
  return {
    breaker: { failures: resilience.breakerFailures, openMs: resilience.breakerOpenMs },
    bulkhead: { maxInFlight: resilience.maxInFlight, maxQueued: resilience.maxQueued },
  };
}
