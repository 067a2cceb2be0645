import type { Scope } from "./scopes.js";

/**
 * No credential, or one that does not hold. `reason` is for the log and the audit trail
 * only; the client is told just that it is unauthenticated.
 */
export class UnauthenticatedError extends Error {
  override readonly name = "UnauthenticatedError";
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super("unauthenticated", options);
  }
}

/** The principal lacks the scope an RPC needs, or reaches for another tenant. */
export class PermissionDeniedError extends Error {
  override readonly name = "PermissionDeniedError";
  constructor(
    message: string,
    readonly scope?: Scope,
  ) {
    super(message);
  }
}

/** A rate-limit budget is spent; the caller may retry after `retryAfterMs`. */
export class RateLimitedError extends Error {
  override readonly name = "RateLimitedError";
  constructor(
    readonly budget: string,
    readonly retryAfterMs: number,
  ) {
    super(`rate limit exceeded (${budget}); retry after ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

/**
 * A write would take a tenant past one of its quotas. Not retryable as is: the tenant
 * must free some of `resource` or be given a larger quota.
 */
export class QuotaExceededError extends Error {
  override readonly name = "QuotaExceededError";
  constructor(
    readonly tenant: string,
    readonly resource: string,
    readonly limit: number,
    readonly used: number,
    readonly requested: number,
  ) {
    super(
      `quota exceeded: ${resource} would reach ${used + requested} (${used} used, ${requested} requested), over the tenant's quota of ${limit}`,
    );
  }
}
