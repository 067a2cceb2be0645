import { RateLimitedError } from "../security/errors.js";
import type { Interceptor } from "./call.js";
import type { SecurityMetrics } from "./metrics.js";
import { policyOf } from "./policy.js";
import { tenantKey } from "./values.js";

/** Options of {@link createExpensiveCallLimitInterceptor}. */
export interface ExpensiveCallLimitOptions {
  /** Expensive calls one tenant may have running at once (per process); 0: no limit. */
  readonly maxPerTenant: number;
  /** Where refusals are counted (budget `expensive`). */
  readonly metrics?: SecurityMetrics;
}

/** How long a refused caller is asked to wait: about one expensive call. */
const retryAfterMs = 250;

/**
 * Bounds how many expensive calls (deep traversals, exact searches: `expensive` in the
 * policy table) one tenant runs at once, so that one tenant's heavy queries cannot take
 * every engine thread from the others. One more is RESOURCE_EXHAUSTED with a retry delay;
 * a slot frees when its call ends, however it ends. Other calls pass untouched. Runs after
 * validation, so it judges only valid requests.
 */
export function createExpensiveCallLimitInterceptor(
  options: ExpensiveCallLimitOptions,
): Interceptor {
  const running = new Map<string, number>();
  return (next, method) => {
    const expensive = policyOf(method).expensive;
    if (expensive === undefined || options.maxPerTenant === 0) return next;
    return async (call, input) => {
      if (input.stream || !expensive(input.message)) return next(call, input);
      const tenant = call.values.get(tenantKey);
      const count = running.get(tenant) ?? 0;
      if (count >= options.maxPerTenant) {
        options.metrics?.rateLimited("expensive");
        throw new RateLimitedError("expensive calls per tenant", retryAfterMs);
      }
      running.set(tenant, count + 1);
      try {
        return await next(call, input);
      } finally {
        const left = (running.get(tenant) ?? 1) - 1;
        if (left <= 0) running.delete(tenant);
        else running.set(tenant, left);
      }
    };
  };
}
