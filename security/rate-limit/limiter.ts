import type { Logger } from "pino";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { RedisConnection } from "../../clients/redis/connection.js";
import type { RateLimitConfig } from "../../server/config-security.js";
import type { BudgetClass, LimitDecision, RateLimiter } from "./port.js";
import { type CountingWindow, countingWindow } from "./window.js";

/** What {@link createRateLimiter} needs. */
export interface RateLimiterOptions {
  /** The budgets and their window. */
  readonly config: RateLimitConfig;
  /**
   * The shared Redis connection: when given, every replica draws from the same budgets.
   * It stays open when the limiter is closed.
   */
  readonly redis?: RedisConnection;
  /** Where limiter failures and Redis outages are reported. */
  readonly logger: Logger;
}

const allowed: LimitDecision = { allowed: true };
const budgetClasses: readonly BudgetClass[] = ["read", "write", "stream"];

/** A budget's counter, as the limiter uses it. */
interface Counter {
  /** Takes points; rejects with a `RateLimiterRes` when the budget is spent. */
  consume(key: string, points: number): Promise<unknown>;
  /** Gives points back. */
  reward(key: string, points: number): Promise<unknown>;
}

/** The counters of one class; a dimension whose budget is 0 has none. */
interface ClassLimiters {
  readonly tenant?: Counter;
  readonly principal?: Counter;
}

/**
 * Builds the rate limiter: fixed windows of `config.windowMs`, one counter per class and
 * dimension (keys `rl:<class>:t:<tenant>` and `rl:<class>:p:<tenant>:<principal>`).
 *
 * - Without Redis it counts in this process's memory.
 * - With Redis the counters are shared by every replica. Each count goes through Redis's
 *   engine policy: while Redis is not ready, a command fails or times out, or Redis's
 *   circuit breaker is open (after a few failures: a hung Redis then costs no call any
 *   wait), each replica counts in its own memory, and goes back to Redis once it answers
 *   again. Redis windows are whole seconds (see `countingWindow`).
 *
 * A call draws from its tenant's and its principal's budget at once (one round trip with
 * Redis); a call refused by one budget gives the other its point back, so one noisy
 * caller does not spend its tenant's budget on calls that were refused anyway. An unexpected limiter failure is
 * logged and the call allowed (fail open): limits protect capacity, not data.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { config, redis, logger } = options;
  const limiters = new Map<BudgetClass, ClassLimiters>();
  for (const budgetClass of budgetClasses) {
    const window = countingWindow(
      config.windowMs,
      config.budgets[budgetClass],
      redis !== undefined,
    );
    limiters.set(budgetClass, {
      tenant: counter(`rl:${budgetClass}:t`, window.perTenant, window, redis),
      principal: counter(`rl:${budgetClass}:p`, window.perPrincipal, window, redis),
    });
  }
  let failedOpen = 0;
  let degraded = false;

  const watchRedis = (): void => {
    if (redis === undefined) return;
    const ready = redis.client.status === "ready" && redis.policy.state === "closed";
    if (ready === !degraded) return;
    degraded = !ready;
    if (degraded) logger.warn("Redis is not ready: rate limits are counted per replica");
    else logger.info("Redis is back: rate limits are shared again");
  };

  return {
    async consume(budget, tenant, principal) {
      watchRedis();
      const { tenant: perTenant, principal: perPrincipal } = limiters.get(budget) ?? {};
      try {
        const [tenantWaitMs, principalWaitMs] = await Promise.all([
          perTenant ? spend(perTenant, tenant) : undefined,
          perPrincipal ? spend(perPrincipal, `${tenant}:${principal}`) : undefined,
        ]);
        if (tenantWaitMs !== undefined) {
          if (principalWaitMs === undefined)
            await perPrincipal?.reward(`${tenant}:${principal}`, 1).catch(() => undefined);
          return refused(`${budget} per tenant`, tenantWaitMs);
        }
        if (principalWaitMs !== undefined) {
          await perTenant?.reward(tenant, 1).catch(() => undefined);
          return refused(`${budget} per principal`, principalWaitMs);
        }
        return allowed;
      } catch (error) {
        failedOpen++;
        logger.error(
          { err: error, budget, failedOpen },
          "rate limiter failed: the call is allowed",
        );
        return allowed;
      }
    },
    async close() {},
  };
}

function counter(
  keyPrefix: string,
  points: number,
  window: CountingWindow,
  redis: RedisConnection | undefined,
): Counter | undefined {
  if (points === 0) return undefined;
  const settings = { keyPrefix, points, duration: window.durationS };
  const memory = new RateLimiterMemory(settings);
  if (redis === undefined) return memory;
  const shared = new RateLimiterRedis({
    ...settings,
    storeClient: redis.client,
    rejectIfRedisNotReady: true,
  });
  const inRedis = (use: () => Promise<unknown>, fallback: () => Promise<unknown>) =>
    redis.run(use, { idempotent: false }).catch((error: unknown) => {
      if (error instanceof RateLimiterRes) throw error;
      return fallback();
    });
  return {
    consume: (key, taken) =>
      inRedis(
        () => shared.consume(key, taken),
        () => memory.consume(key, taken),
      ),
    reward: (key, given) =>
      inRedis(
        () => shared.reward(key, given),
        () => memory.reward(key, given),
      ),
  };
}

/**
 * Consumes one point; resolves with the wait in ms when the budget is spent. Called on
 * every call, so it maps the library's promise rather than wrapping it in another.
 */
function spend(limiter: Counter, key: string): Promise<number | undefined> {
  return limiter.consume(key, 1).then(nothingToWait, waitOf);
}

function nothingToWait(): undefined {
  return undefined;
}

function waitOf(rejection: unknown): number {
  if (rejection instanceof RateLimiterRes) return Math.max(1, rejection.msBeforeNext);
  throw rejection;
}

function refused(budget: string, retryAfterMs: number): LimitDecision {
  return { allowed: false, budget, retryAfterMs };
}
