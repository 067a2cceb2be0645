import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EngineUnavailableError } from "../../clients/errors.js";
import { RedisConnection } from "../../clients/redis/connection.js";
import { RedisRevocationList, type RevocationLogger } from "../../security/revocation/redis.js";
import { describeRevocationListContract } from "../support/jwt.js";
import { TcpRelay } from "../support/tcp-relay.js";

const url = process.env.REDIS_URL;
const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
let prefixes = 0;
function nextPrefix(): string {
  prefixes += 1;
  return `ragplane:test:${run}:${prefixes}:`;
}

function recordingLogger(): RevocationLogger & { warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  return {
    warnings,
    infos,
    warn: (_details, message) => warnings.push(message),
    info: (_details, message) => infos.push(message),
  };
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`not true after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return performance.now() - started;
}

if (!url) {
  describe.skip("Redis revocation list — skipped: set REDIS_URL, e.g. from scripts/engines/start.sh redis", () => {
    it("runs against a real Redis only", () => {});
  });
} else {
  let shared: RedisConnection;
  beforeAll(async () => {
    shared = await RedisConnection.connect({ url });
  });
  afterAll(async () => {
    const keys = await shared.client.keys(`ragplane:test:${run}:*`);
    if (keys.length > 0) await shared.client.del(...keys);
    await shared.close();
  });

  describeRevocationListContract("redis", async () => ({
    list: await RedisRevocationList.start({
      redis: shared,
      refreshMs: 100,
      keyPrefix: nextPrefix(),
    }),
    cleanup: async () => {},
  }));

  describe("RedisRevocationList", () => {
    const opened: RedisRevocationList[] = [];
    const start = async (options: Parameters<typeof RedisRevocationList.start>[0]) => {
      const list = await RedisRevocationList.start(options);
      opened.push(list);
      return list;
    };
    afterEach(async () => {
      for (const list of opened.splice(0)) await list.close();
    });

    it("stores a revocation in the sorted set, scored by its expiry", async () => {
      const keyPrefix = nextPrefix();
      const list = await start({ redis: shared, refreshMs: 100, keyPrefix });
      const expiresAt = Date.now() + 60_000;
      await list.revoke("jti-1", expiresAt);
      expect(list.key).toBe(`${keyPrefix}revoked-jti`);
      expect(Number(await shared.client.zscore(list.key, "jti-1"))).toBe(expiresAt);
    });

    it("makes a revocation on one replica visible on another within refreshMs", async () => {
      const keyPrefix = nextPrefix();
      const refreshMs = 200;
      const a = await start({ redis: shared, refreshMs, keyPrefix });
      const other = await RedisConnection.connect({ url });
      try {
        const b = await start({ redis: other, refreshMs, keyPrefix });
        expect(b.isRevoked("jti-x")).toBe(false);
        await a.revoke("jti-x", Date.now() + 60_000);
        expect(a.isRevoked("jti-x")).toBe(true);
        const waited = await eventually(() => b.isRevoked("jti-x"), 2_000);
        expect(waited).toBeLessThanOrEqual(refreshMs + 150);
      } finally {
        await other.close();
      }
    });

    it("loads existing revocations at start and drops expired members from Redis", async () => {
      const keyPrefix = nextPrefix();
      const key = `${keyPrefix}revoked-jti`;
      const now = Date.now();
      await shared.client.zadd(key, now + 60_000, "live", now - 10_000, "stale");
      const list = await start({ redis: shared, refreshMs: 100, keyPrefix, retainMs: 0 });
      expect(list.isRevoked("live")).toBe(true);
      expect(list.isRevoked("stale")).toBe(false);
      expect(await shared.client.zrange(key, "0", "-1")).toEqual(["live"]);
    });

    /** A connection to Redis through a relay the test can cut and reopen. */
    const relayedConnection = async () => {
      const relay = TcpRelay.toUrl(url, 6379);
      await relay.open();
      const connection = await RedisConnection.connect({
        url: `redis://127.0.0.1:${relay.port}`,
        maxReconnectDelayMs: 100,
        onError: () => {},
      });
      const close = async () => {
        await connection.close();
        await relay.cut();
      };
      return { relay, connection, close };
    };

    it("answers from the last snapshot while Redis is unreachable and refuses new revocations", async () => {
      const { relay, connection, close } = await relayedConnection();
      try {
        const logger = recordingLogger();
        const list = await start({
          redis: connection,
          refreshMs: 50,
          keyPrefix: nextPrefix(),
          logger,
        });
        await list.revoke("before", Date.now() + 60_000);

        await relay.cut();
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(list.isRevoked("before")).toBe(true);
        expect(list.isRevoked("other")).toBe(false);
        await expect(list.revoke("during", Date.now() + 60_000)).rejects.toBeInstanceOf(
          EngineUnavailableError,
        );
        expect(list.isRevoked("during")).toBe(false);
        expect(logger.warnings).toHaveLength(1);

        await relay.open();
        await eventually(() => logger.infos.length === 1, 5_000);
        await list.revoke("after", Date.now() + 60_000);
        expect(list.isRevoked("after")).toBe(true);
        expect(list.isRevoked("before")).toBe(true);
        expect(logger.warnings).toHaveLength(1);
      } finally {
        await close();
      }
    });

    it("starts empty when Redis is down at start, and catches up once it answers", async () => {
      const { relay, connection, close } = await relayedConnection();
      try {
        const keyPrefix = nextPrefix();
        await shared.client.zadd(`${keyPrefix}revoked-jti`, Date.now() + 60_000, "known");
        await relay.cut();
        const logger = recordingLogger();
        const list = await start({ redis: connection, refreshMs: 50, keyPrefix, logger });
        expect(list.loaded).toBe(false);
        expect(list.isRevoked("known")).toBe(false);
        expect(logger.warnings).toHaveLength(1);
        await relay.open();
        await eventually(() => list.isRevoked("known"), 5_000);
        expect(list.loaded).toBe(true);
      } finally {
        await close();
      }
    });

    it("leaves the shared connection open when closed", async () => {
      const list = await RedisRevocationList.start({
        redis: shared,
        refreshMs: 100,
        keyPrefix: nextPrefix(),
      });
      await list.close();
      expect(await shared.health()).toEqual({ ok: true });
    });
  });
}
