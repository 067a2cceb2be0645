import { AuditAggregator } from "../security/audit/aggregator.js";
import type { AuditLog } from "../security/audit/port.js";
import { auditEventFor } from "../security/audit/recorder.js";
import { PermissionDeniedError } from "../security/errors.js";
import type { RefusalBudget } from "../security/rate-limit/refusals.js";
import { principalOf } from "./authentication.js";
import type { Interceptor } from "./call.js";
import { observeOutcome } from "./call-outcome.js";
import type { SecurityMetrics } from "./metrics.js";
import { policyOf } from "./policy.js";
import { chargeRefusal } from "./rate-limit.js";
import { tenantKey } from "./values.js";

/** Options of {@link createAuthorizationInterceptor}. */
export interface AuthorizationOptions {
  /** Where permission denials and admin calls are recorded. */
  readonly audit: AuditLog;
  /**
   * Denials are recorded once per principal, RPC and reason in this period, then as one
   * summary with the count of repeats. Default 10 000 ms.
   */
  readonly auditPeriodMs?: number;
  /** The budget denied calls draw from, per principal; unlimited when absent. */
  readonly refusals?: RefusalBudget;
  /** Where refusals past that budget are counted; none when absent. */
  readonly metrics?: SecurityMetrics;
}

/**
 * Lets a call through only if its principal holds every scope of the method (from the table in
 * `policy.ts`), and fixes the call's tenant to the principal's: the one place a tenant
 * is ever set. Denials are PERMISSION_DENIED, recorded (aggregated per principal, RPC
 * and reason) and drawn from the principal's budget of refused calls: past it,
 * RESOURCE_EXHAUSTED with a retry delay. Calls of audited (admin) methods are recorded
 * with their outcome.
 */
export function createAuthorizationInterceptor(options: AuthorizationOptions): Interceptor {
  const { audit, refusals, metrics } = options;
  const denials = new AuditAggregator(audit, options.auditPeriodMs ?? 10_000);
  return (next, method) => {
    const { scopes, audited } = policyOf(method);
    const rpc = `${method.parent.typeName}/${method.name}`;
    return async (call, input) => {
      const principal = principalOf(call);
      const scope = scopes.find((needed) => !principal.scopes.has(needed));
      if (scope !== undefined) {
        const reason = `missing scope ${scope}`;
        denials.record(
          `${principal.tenant}\n${principal.subject}\n${rpc}\n${reason}`,
          auditEventFor(call, "permission.denied", reason),
        );
        await chargeRefusal(
          refusals,
          metrics,
          `principal:${principal.tenant}:${principal.subject}`,
          "refused calls per principal",
        );
        throw new PermissionDeniedError(`permission denied: ${reason}`, scope);
      }
      call.values.set(tenantKey, principal.tenant);
      if (!audited) return next(call, input);
      return observeOutcome(next(call, input), {
        done: (outcome) => audit.record(auditEventFor(call, "admin.call", "", { outcome })),
      });
    };
  };
}
