import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineTimeoutError, EngineUnavailableError } from "../../clients/errors.js";
import { RedisIdempotencyIndex } from "../../clients/events/idempotency/redis.js";
import { RedisConnection } from "../../clients/redis/connection.js";
import { toRedisError } from "../../clients/redis/errors.js";
import { failureOf } from "../contract/events.support.js";
import { describeIdempotencyIndexContract } from "../contract/idempotency.contract.js";

const url = process.env.REDIS_URL;
const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;

if (!url) {
  describe.skip("Redis — skipped: set REDIS_URL, e.g. from scripts/engines/start.sh redis", () => {
    it("runs against a real Redis only", () => {});
  });
} else {
  describe("RedisConnection", () => {
    let redis: RedisConnection;
    beforeAll(async () => {
      redis = await RedisConnection.connect({ url });
    });
    afterAll(async () => {
      await redis.close();
    });

    it("connects, answers commands and reports health", async () => {
      expect(await redis.health()).toEqual({ ok: true });
      const key = `ragplane:test:${run}:k`;
      await redis.client.set(key, "v", "PX", 10_000);
      expect(await redis.client.get(key)).toBe("v");
      await redis.client.del(key);
    });

    it("fails to connect to a port without Redis with EngineUnavailableError, promptly", async () => {
      const started = performance.now();
      const error = await failureOf(RedisConnection.connect({ url: "redis://127.0.0.1:1" }));
      expect(error).toBeInstanceOf(EngineUnavailableError);
      expect(performance.now() - started).toBeLessThan(2500);
    });

    it("gives up connecting after connectTimeoutMs to a server that never answers", async () => {
      const silent = createServer(() => {});
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      const address = silent.address();
      const port = typeof address === "object" && address ? address.port : 0;
      try {
        const started = performance.now();
        const error = await failureOf(
          RedisConnection.connect({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 300 }),
        );
        expect(error).toBeInstanceOf(EngineUnavailableError);
        expect(performance.now() - started).toBeLessThan(1500);
      } finally {
        silent.close();
      }
    });

    it("maps a command that outlives commandTimeoutMs to EngineTimeoutError", async () => {
      const slow = await RedisConnection.connect({ url, commandTimeoutMs: 50 });
      try {
        const error = await failureOf(
          slow.client.eval(
            "local t = redis.call('TIME') while true do local n = redis.call('TIME') if (n[1] - t[1]) * 1000000 + (n[2] - t[2]) > 200000 then return 1 end end",
            0,
          ),
        );
        expect(toRedisError(error)).toBeInstanceOf(EngineTimeoutError);
      } finally {
        await slow.close();
      }
    });

    it("fails commands at once with EngineUnavailableError once closed, and reports it", async () => {
      const closing = await RedisConnection.connect({ url });
      await closing.close();
      const started = performance.now();
      const error = await failureOf(closing.client.get("x"));
      expect(toRedisError(error)).toBeInstanceOf(EngineUnavailableError);
      expect(performance.now() - started).toBeLessThan(100);
      expect(await closing.health()).toEqual({ ok: false, detail: "closed" });
      await closing.close();
    });
  });

  let shared: RedisConnection | undefined;
  describeIdempotencyIndexContract("redis", async () => {
    shared = await RedisConnection.connect({ url });
    const keyPrefix = `ragplane:test:${run}:`;
    return {
      index: new RedisIdempotencyIndex(shared, { keyPrefix }),
      async cleanup() {
        const keys = await shared?.client.keys(`${keyPrefix}*`);
        if (keys && keys.length > 0) await shared?.client.del(...keys);
        await shared?.close();
      },
    };
  });

  describe("RedisIdempotencyIndex", () => {
    it("keeps a batch's keys in one cluster slot and expires them", async () => {
      const redis = await RedisConnection.connect({ url });
      try {
        const index = new RedisIdempotencyIndex(redis, {
          keyPrefix: `ragplane:test:${run}:`,
        });
        expect(index.key("rp.acme.t", "e1")).toBe(`ragplane:test:${run}:{rp.acme.t}:e1`);
        await index.claim("rp.acme.t", ["e1"], "owner", 5000);
        const ttl = await redis.client.pttl(index.key("rp.acme.t", "e1"));
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(5000);
        await index.release("rp.acme.t", ["e1"], "owner");
        expect(await redis.client.exists(index.key("rp.acme.t", "e1"))).toBe(0);
      } finally {
        await redis.close();
      }
    });

    it("fails with EngineUnavailableError when Redis is gone", async () => {
      const redis = await RedisConnection.connect({ url });
      const index = new RedisIdempotencyIndex(redis);
      await redis.close();
      expect(await failureOf(index.claim("s", ["a"], "o", 1000))).toBeInstanceOf(
        EngineUnavailableError,
      );
    });
  });
}
