import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisConnection } from "../../clients/redis/connection.js";
import { createRateLimiter } from "../../security/rate-limit/limiter.js";
import type { RateLimiter } from "../../security/rate-limit/port.js";
import type { RateLimitConfig } from "../../server/config-security.js";
import { TcpRelay } from "../support/tcp-relay.js";

const url = process.env.REDIS_URL;
const run = `rl${Date.now().toString(36)}${process.pid.toString(36)}`;
const logger = pino({ level: "silent" });
const off = { perTenant: 0, perPrincipal: 0 };
const config: RateLimitConfig = {
  windowMs: 60_000,
  refusedPerCaller: 0,
  budgets: { read: { perTenant: 2, perPrincipal: 0 }, write: off, stream: off },
};

async function until(condition: () => boolean, waitMs = 10_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${waitMs} ms`);
    await sleep(10);
  }
}

async function outcomes(limiter: RateLimiter, tenant: string, count: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < count; i++) {
    const decision = await limiter.consume("read", tenant, "key:a");
    seen.push(decision.allowed ? "ok" : decision.budget);
  }
  return seen;
}

if (!url) {
  describe.skip("rate limits on Redis — skipped: set REDIS_URL, e.g. from scripts/engines/start.sh redis", () => {
    it("runs against a real Redis only", () => {});
  });
} else {
  describe("rate limits on Redis", () => {
    let direct: RedisConnection;
    const opened: RedisConnection[] = [];

    const replica = async (redisUrl = url) => {
      const connection = await RedisConnection.connect({
        url: redisUrl,
        maxReconnectDelayMs: 100,
      });
      opened.push(connection);
      return {
        connection,
        limiter: createRateLimiter({ config, redis: connection, logger }),
      };
    };
    const counted = async (tenant: string) => direct.client.get(`rl:read:t:${tenant}`);

    beforeAll(async () => {
      direct = await RedisConnection.connect({ url });
    });
    afterAll(async () => {
      for (const connection of opened) await connection.close();
      const keys = await direct.client.keys(`rl:*:${run}-*`);
      if (keys.length > 0) await direct.client.del(...keys);
      await direct.close();
    });

    it("shares one budget between replicas", async () => {
      const [a, b] = [await replica(), await replica()];
      const tenant = `${run}-shared`;
      expect(await outcomes(a.limiter, tenant, 1)).toEqual(["ok"]);
      expect(await outcomes(b.limiter, tenant, 1)).toEqual(["ok"]);
      expect(await outcomes(a.limiter, tenant, 1)).toEqual(["read per tenant"]);
      const refused = await b.limiter.consume("read", tenant, "key:a");
      expect(refused).toMatchObject({ allowed: false, budget: "read per tenant" });
      expect(refused.allowed ? 0 : refused.retryAfterMs).toBeGreaterThan(0);
      expect(await counted(tenant)).toBe("4");
    });

    it("limits each replica in its own memory while Redis is unreachable, and shares again once it is back", async () => {
      const relay = TcpRelay.toUrl(url, 6379);
      await relay.open();
      const relayUrl = `redis://127.0.0.1:${relay.port}`;
      const [a, b] = [await replica(relayUrl), await replica(relayUrl)];
      try {
        await relay.cut();
        await until(() => a.connection.client.status !== "ready");
        await until(() => b.connection.client.status !== "ready");
        const during = `${run}-outage`;
        expect(await outcomes(a.limiter, during, 3)).toEqual(["ok", "ok", "read per tenant"]);
        expect(await outcomes(b.limiter, during, 3)).toEqual(["ok", "ok", "read per tenant"]);
        expect(await counted(during)).toBeNull();

        await relay.open();
        await until(() => a.connection.client.status === "ready");
        await until(() => b.connection.client.status === "ready");
        const after = `${run}-recovered`;
        expect(await outcomes(a.limiter, after, 1)).toEqual(["ok"]);
        expect(await outcomes(b.limiter, after, 2)).toEqual(["ok", "read per tenant"]);
        expect(await counted(after)).toBe("3");
      } finally {
        await relay.cut();
      }
    });
  });
}
