import type { Budget } from "./port.js";

/** A budget as the counting library takes it: points per duration in seconds. */
export interface CountingWindow {
  /** Window length in seconds, as the library takes it. */
  readonly durationS: number;
  /** Calls per window and tenant; 0 when off. */
  readonly perTenant: number;
  /** Calls per window and principal; 0 when off. */
  readonly perPrincipal: number;
}

/**
 * The counting window of a budget. Memory counts any window to the millisecond. Redis
 * keys expire in whole seconds, so a shared window is rounded to whole seconds (at least
 * one) and the budget scaled to keep its rate: 100 calls per 500 ms become 200 per
 * second. A budget that scales to less than 1 stays 1, never off.
 */
export function countingWindow(windowMs: number, budget: Budget, shared: boolean): CountingWindow {
  if (!shared) return { durationS: windowMs / 1000, ...budget };
  const durationS = Math.max(1, Math.round(windowMs / 1000));
  const scale = (durationS * 1000) / windowMs;
  const scaled = (calls: number) => (calls === 0 ? 0 : Math.max(1, Math.round(calls * scale)));
  return {
    durationS,
    perTenant: scaled(budget.perTenant),
    perPrincipal: scaled(budget.perPrincipal),
  };
}
