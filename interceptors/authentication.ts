import { AuditAggregator } from "../security/audit/aggregator.js";
import type { AuditLog } from "../security/audit/port.js";
import { auditEventFor } from "../security/audit/recorder.js";
import type { Authenticators, Credentials } from "../security/authenticators.js";
import { readCredentials } from "../security/credentials.js";
import { UnauthenticatedError } from "../security/errors.js";
import type { Principal } from "../security/principal.js";
import type { RefusalBudget } from "../security/rate-limit/refusals.js";
import type { Call, Interceptor } from "./call.js";
import type { SecurityMetrics } from "./metrics.js";
import { chargeRefusal } from "./rate-limit.js";
import { principalKey } from "./values.js";

/** Options of {@link createAuthenticationInterceptor}. */
export interface AuthenticationOptions {
  /** The enabled methods; a credential of a disabled method is refused. */
  readonly authenticators: Authenticators;
  /** Where failed authentications are recorded. */
  readonly audit: AuditLog;
  /**
   * A failure is recorded once per peer address and reason in this period, then as one
   * summary with the count of repeats, so a flood of bad credentials cannot flood the
   * trail. Default 10 000 ms.
   */
  readonly auditPeriodMs?: number;
  /** Where failures are counted by reason; none when absent. */
  readonly metrics?: SecurityMetrics;
  /** The budget failed calls draw from, per peer host; unlimited when absent. */
  readonly refusals?: RefusalBudget;
}

/**
 * Establishes who is calling, from an API key, a JWT or the verified client certificate
 * (an explicit key or token wins over the certificate), and stores the principal in the
 * call's values. No credential, or one that does not hold, is UNAUTHENTICATED, recorded in
 * the audit trail (aggregated per peer and reason), and drawn from the peer's budget of
 * refused calls: past it, RESOURCE_EXHAUSTED with a retry delay.
 */
export function createAuthenticationInterceptor(options: AuthenticationOptions): Interceptor {
  const { authenticators, audit, metrics, refusals } = options;
  const failures = new AuditAggregator(audit, options.auditPeriodMs ?? 10_000);
  return (next) => async (call, input) => {
    let principal: Principal;
    try {
      principal = await authenticate(readCredentials(call), authenticators);
    } catch (error) {
      if (error instanceof UnauthenticatedError) {
        metrics?.authenticationFailed(error.reason);
        const host = peerHost(call.peer.address);
        failures.record(
          `${host}\n${error.reason}`,
          auditEventFor(call, "authentication.failed", error.reason),
        );
        await chargeRefusal(refusals, metrics, `peer:${host}`, "refused calls per peer");
      }
      throw error;
    }
    call.values.set(principalKey, principal);
    return next(call, input);
  };
}

async function authenticate(
  credentials: Credentials,
  authenticators: Authenticators,
): Promise<Principal> {
  if (credentials.apiKey !== undefined) {
    if (authenticators.apiKeys === undefined)
      throw new UnauthenticatedError("api keys are not accepted");
    return authenticators.apiKeys.verify(credentials.apiKey);
  }
  if (credentials.token !== undefined) {
    if (authenticators.tokens === undefined)
      throw new UnauthenticatedError("bearer tokens are not accepted");
    return authenticators.tokens.verify(credentials.token);
  }
  if (credentials.certificate !== undefined && authenticators.certificates !== undefined) {
    return authenticators.certificates.map(credentials.certificate);
  }
  throw new UnauthenticatedError("no credentials");
}

/** The address without its port: one client opening many connections is one peer. */
function peerHost(address: string): string {
  const colon = address.lastIndexOf(":");
  return colon > address.lastIndexOf("]") ? address.slice(0, colon) : address;
}

/** The principal of an authenticated call; only for interceptors after authentication. */
export function principalOf(call: Call): Principal {
  const principal = call.values.get(principalKey);
  if (principal === undefined) throw new UnauthenticatedError("no credentials");
  return principal;
}
