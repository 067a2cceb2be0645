import type { Principal } from "../../security/principal.js";

/**
 * What a service implementation knows about the call it serves. Services never see the
 * transport: the dispatcher derives this from the call after the chain has run.
 */
export interface ServiceContext {
  /** The tenant every engine operation is scoped to (from the principal, never the body). */
  readonly tenant: string;
  /** Aborted when the client cancels or the deadline passes. Pass it to every engine call. */
  readonly signal: AbortSignal;
  /** The authenticated caller (services that need more than the tenant, e.g. admin). */
  readonly principal: Principal | undefined;
  /** The call's request id, for the audit trail and logs. */
  readonly requestId: string;
  /** The caller's address, for the audit trail. */
  readonly peer: string;
  /** The call's deadline as epoch milliseconds, if it has one. */
  readonly deadline: number | undefined;
}
