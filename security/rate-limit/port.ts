/** The budgets calls draw from; each RPC draws from one (see `interceptors/policy.ts`). */
export type BudgetClass = "read" | "write" | "stream";

/** What a budget allows, per window. */
export interface Budget {
  /** Calls allowed per window and tenant. */
  readonly perTenant: number;
  /** Calls allowed per window and principal. */
  readonly perPrincipal: number;
}

/** The answer of a rate limiter. */
export type LimitDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly budget: string; readonly retryAfterMs: number };

/**
 * Consumes one call from the tenant's and the principal's budget of a class. Never
 * throws: when the shared store is down it falls back to per-process counting.
 */
export interface RateLimiter {
  consume(budget: BudgetClass, tenant: string, principal: string): Promise<LimitDecision>;
  close(): Promise<void>;
}
