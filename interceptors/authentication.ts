import type { AuditLog } from "../security/audit/port.js";
import { auditEventFor } from "../security/audit/recorder.js";
import { AuditThrottle } from "../security/audit/throttle.js";
import type { Authenticators, Credentials } from "../security/authenticators.js";
import { readCredentials } from "../security/credentials.js";
import { UnauthenticatedError } from "../security/errors.js";
import type { Principal } from "../security/principal.js";
import type { Call, Interceptor } from "./call.js";
import type { SecurityMetrics } from "./metrics.js";
import { principalKey } from "./values.js";

/** Options of {@link createAuthenticationInterceptor}. */
export interface AuthenticationOptions {
  /** The enabled methods; a credential of a disabled method is refused. */
  readonly authenticators: Authenticators;
  /** Where failed authentications are recorded. */
  readonly audit: AuditLog;
  /**
   * A failure is recorded once per peer address and reason in this period, so a flood of
   * bad credentials cannot flood the trail. Default 10 000 ms.
   */
  readonly auditPeriodMs?: number;
  /** Where failures are counted by reason; none when absent. */
  readonly metrics?: SecurityMetrics;
}

/**
 * Establishes who is calling, from an API key, a JWT or the verified client certificate
 * (an explicit key or token wins over the certificate), and stores the principal in the
 * call's values. No credential, or one that does not hold, is UNAUTHENTICATED and is
 * recorded in the audit trail.
 */
export function createAuthenticationInterceptor(options: AuthenticationOptions): Interceptor {
  const { authenticators, audit, metrics } = options;
  const auditPeriodMs = options.auditPeriodMs ?? 10_000;
  const throttle = new AuditThrottle();
  return (next) => async (call, input) => {
    let principal: Principal;
    try {
      principal = await authenticate(readCredentials(call), authenticators);
    } catch (error) {
      if (error instanceof UnauthenticatedError) {
        metrics?.authenticationFailed(error.reason);
        const key = `${peerHost(call.peer.address)}\n${error.reason}`;
        if (throttle.admit(key, Date.now(), auditPeriodMs)) {
          audit.record(auditEventFor(call, "authentication.failed", error.reason));
        }
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
