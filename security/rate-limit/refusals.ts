import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";

/**
 * The budget refused calls draw from: calls refused as UNAUTHENTICATED (per peer host)
 * or PERMISSION_DENIED (per principal) count here, since they never reach the rate limits
 * of their class. Past it, a caller's refused calls get RESOURCE_EXHAUSTED with a retry
 * delay until the window ends. Counted in this process's memory.
 */
export class RefusalBudget {
  readonly #limiter: RateLimiterMemory | undefined;

  /** `perCaller` refused calls per `windowMs`; 0 turns the budget off. */
  constructor(perCaller: number, windowMs: number) {
    this.#limiter =
      perCaller === 0
        ? undefined
        : new RateLimiterMemory({
            keyPrefix: "refused",
            points: perCaller,
            duration: windowMs / 1000,
          });
  }

  /** Counts one refused call of `caller`; resolves with the wait in ms once the budget is spent. */
  spend(caller: string): Promise<number | undefined> {
    if (this.#limiter === undefined) return Promise.resolve(undefined);
    return this.#limiter.consume(caller, 1).then(
      () => undefined,
      (rejection: unknown) => {
        if (rejection instanceof RateLimiterRes) return Math.max(1, rejection.msBeforeNext);
        throw rejection;
      },
    );
  }
}
