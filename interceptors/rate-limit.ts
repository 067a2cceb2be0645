import type { AuditLog } from "../security/audit/port.js";
import { auditEventFor } from "../security/audit/recorder.js";
import { AuditThrottle } from "../security/audit/throttle.js";
import { RateLimitedError } from "../security/errors.js";
import type { RateLimiter } from "../security/rate-limit/port.js";
import type { RefusalBudget } from "../security/rate-limit/refusals.js";
import type { Interceptor } from "./call.js";
import type { SecurityMetrics } from "./metrics.js";
import { policyOf } from "./policy.js";
import { principalKey } from "./values.js";

/** Options of {@link createRateLimitInterceptor}. */
export interface RateLimitOptions {
  /** Counts the calls against the budgets. */
  readonly limiter: RateLimiter;
  /** Where exceeded budgets are recorded (`rate_limit.exceeded`); none when absent. */
  readonly audit?: AuditLog;
  /** Where refusals are counted by budget; none when absent. */
  readonly metrics?: SecurityMetrics;
}

/**
 * Draws every authenticated call from its tenant's and principal's budget of the
 * method's class (`policy.ts`), and refuses a call over budget with `RateLimitedError`
 * (RESOURCE_EXHAUSTED with a retry delay). Calls without a principal (open methods) are
 * not limited. An exceeded budget is recorded in the audit trail once per principal and
 * budget until that budget's window ends, so a client hammering a spent budget does not
 * flood the trail.
 */
export function createRateLimitInterceptor(options: RateLimitOptions): Interceptor {
  const { limiter, audit, metrics } = options;
  const throttle = new AuditThrottle();

  return (next, method) => {
    const { budget } = policyOf(method);
    return async (call, input) => {
      const principal = call.values.get(principalKey);
      if (principal === undefined) return next(call, input);
      const decision = await limiter.consume(budget, principal.tenant, principal.subject);
      if (decision.allowed) return next(call, input);
      metrics?.rateLimited(budget);
      if (audit) {
        const key = `${decision.budget}\n${principal.tenant}\n${principal.subject}`;
        if (throttle.admit(key, Date.now(), decision.retryAfterMs)) {
          audit.record(
            auditEventFor(call, "rate_limit.exceeded", decision.budget, {
              retryAfterMs: String(Math.ceil(decision.retryAfterMs)),
            }),
          );
        }
      }
      throw new RateLimitedError(decision.budget, decision.retryAfterMs);
    };
  };
}

/**
 * Draws a refused call (unauthenticated, denied) from `caller`'s budget of refused calls;
 * past it, throws `RateLimitedError` (RESOURCE_EXHAUSTED with a retry delay), counted
 * under the `refused` budget, for the caller to get instead of its refusal.
 */
export async function chargeRefusal(
  refusals: RefusalBudget | undefined,
  metrics: SecurityMetrics | undefined,
  caller: string,
  budget: string,
): Promise<void> {
  const waitMs = await refusals?.spend(caller);
  if (waitMs === undefined) return;
  metrics?.rateLimited("refused");
  throw new RateLimitedError(budget, waitMs);
}
