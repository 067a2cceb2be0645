import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createRateLimiter } from "../../security/rate-limit/limiter.js";
import type { Budget, BudgetClass, RateLimiter } from "../../security/rate-limit/port.js";
import type { RateLimitConfig } from "../../server/config-security.js";

const logger = pino({ level: "silent" });
const unlimited: Budget = { perTenant: 0, perPrincipal: 0 };

function limiterWith(
  budgets: Partial<Record<BudgetClass, Budget>>,
  windowMs = 60_000,
): RateLimiter {
  const config: RateLimitConfig = {
    windowMs,
    budgets: { read: unlimited, write: unlimited, stream: unlimited, ...budgets },
    refusedPerCaller: 0,
  };
  return createRateLimiter({ config, logger });
}

async function outcomes(
  limiter: RateLimiter,
  budget: BudgetClass,
  calls: readonly (readonly [tenant: string, principal: string])[],
): Promise<string[]> {
  const seen: string[] = [];
  for (const [tenant, principal] of calls) {
    const decision = await limiter.consume(budget, tenant, principal);
    seen.push(decision.allowed ? "ok" : decision.budget);
  }
  return seen;
}

describe("createRateLimiter (in memory)", () => {
  it("refuses once a budget is spent, saying which and for how long, and allows again after the window", async () => {
    const limiter = limiterWith({ read: { perTenant: 2, perPrincipal: 0 } }, 300);
    expect(await limiter.consume("read", "acme", "key:a")).toEqual({ allowed: true });
    expect(await limiter.consume("read", "acme", "key:a")).toEqual({ allowed: true });
    const refused = await limiter.consume("read", "acme", "key:a");
    expect(refused).toMatchObject({ allowed: false, budget: "read per tenant" });
    const retryAfterMs = refused.allowed ? 0 : refused.retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(300);
    await sleep(retryAfterMs + 20);
    expect(await limiter.consume("read", "acme", "key:a")).toEqual({ allowed: true });
  });

  it("enforces the per-principal budget: each principal of a tenant has its own", async () => {
    const limiter = limiterWith({ write: { perTenant: 100, perPrincipal: 2 } });
    const a = ["acme", "key:a"] as const;
    const b = ["acme", "key:b"] as const;
    expect(await outcomes(limiter, "write", [a, a, a, b, b, b])).toEqual([
      "ok",
      "ok",
      "write per principal",
      "ok",
      "ok",
      "write per principal",
    ]);
  });

  it("enforces the per-tenant budget across the tenant's principals, not other tenants'", async () => {
    const limiter = limiterWith({ read: { perTenant: 3, perPrincipal: 100 } });
    expect(
      await outcomes(limiter, "read", [
        ["acme", "key:a"],
        ["acme", "key:b"],
        ["acme", "key:c"],
        ["acme", "key:d"],
        ["globex", "key:a"],
      ]),
    ).toEqual(["ok", "ok", "ok", "read per tenant", "ok"]);
  });

  it("does not spend the tenant's budget on calls its principal's budget refused", async () => {
    const limiter = limiterWith({ read: { perTenant: 3, perPrincipal: 1 } });
    expect(
      await outcomes(limiter, "read", [
        ["acme", "key:a"],
        ["acme", "key:a"],
        ["acme", "key:a"],
        ["acme", "key:b"],
        ["acme", "key:c"],
        ["acme", "key:d"],
      ]),
    ).toEqual(["ok", "read per principal", "read per principal", "ok", "ok", "read per tenant"]);
  });

  it("switches a limit off with 0", async () => {
    const off = limiterWith({ read: unlimited });
    const calls = Array.from({ length: 200 }, () => ["acme", "key:a"] as const);
    expect(new Set(await outcomes(off, "read", calls))).toEqual(new Set(["ok"]));

    const principalOnly = limiterWith({ read: { perTenant: 0, perPrincipal: 1 } });
    expect(
      await outcomes(principalOnly, "read", [
        ["acme", "key:a"],
        ["acme", "key:a"],
        ["acme", "key:b"],
      ]),
    ).toEqual(["ok", "read per principal", "ok"]);
  });

  it("keeps each class's budget apart", async () => {
    const limiter = limiterWith({
      read: { perTenant: 1, perPrincipal: 0 },
      write: { perTenant: 1, perPrincipal: 0 },
    });
    const acme = ["acme", "key:a"] as const;
    expect(await outcomes(limiter, "read", [acme, acme])).toEqual(["ok", "read per tenant"]);
    expect(await outcomes(limiter, "write", [acme, acme])).toEqual(["ok", "write per tenant"]);
    expect(await outcomes(limiter, "stream", [acme, acme])).toEqual(["ok", "ok"]);
  });
});
