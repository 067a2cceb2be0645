import type { AuditLog } from "../security/audit/port.js";
import { auditEventFor } from "../security/audit/recorder.js";
import { PermissionDeniedError } from "../security/errors.js";
import { principalOf } from "./authentication.js";
import type { Interceptor } from "./call.js";
import { policyOf } from "./policy.js";
import { tenantKey } from "./values.js";

/** Options of {@link createAuthorizationInterceptor}. */
export interface AuthorizationOptions {
  /** Where permission denials and admin calls are recorded. */
  readonly audit: AuditLog;
}

/**
 * Lets a call through only if its principal holds the method's scope (from the table in
 * `policy.ts`), and fixes the call's tenant to the principal's: the one place a tenant
 * is ever set. Denials are PERMISSION_DENIED and recorded; calls of audited (admin)
 * methods are recorded with their outcome.
 */
export function createAuthorizationInterceptor(options: AuthorizationOptions): Interceptor {
  const { audit } = options;
  return (next, method) => {
    const { scope, audited } = policyOf(method);
    return async (call, input) => {
      const principal = principalOf(call);
      if (!principal.scopes.has(scope)) {
        const reason = `missing scope ${scope}`;
        audit.record(auditEventFor(call, "permission.denied", reason));
        throw new PermissionDeniedError(`permission denied: ${reason}`, scope);
      }
      call.values.set(tenantKey, principal.tenant);
      if (!audited) return next(call, input);
      try {
        const output = await next(call, input);
        audit.record(auditEventFor(call, "admin.call", "", { outcome: "ok" }));
        return output;
      } catch (error) {
        const outcome = error instanceof Error ? error.name : "error";
        audit.record(auditEventFor(call, "admin.call", "", { outcome }));
        throw error;
      }
    };
  };
}
