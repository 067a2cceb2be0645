import { describe, expect, it } from "vitest";
import { EngineUnavailableError } from "../../clients/errors.js";
import { RedisIdempotencyIndex } from "../../clients/events/idempotency/redis.js";
import { RedisConnection } from "../../clients/redis/connection.js";
import { failureOf } from "../contract/events.support.js";
import { describeIdempotencyIndexContract } from "../contract/idempotency.contract.js";
import { generateTestCerts } from "../support/certs.js";
import { describeSkippedWithoutSecuredLinks, securedRedis } from "../support/secured-engines.js";

const redis = securedRedis();

function causeOf(error: unknown): string {
  return error instanceof Error && error.cause instanceof Error ? error.cause.message : "";
}

if (redis === undefined) {
  describeSkippedWithoutSecuredLinks("Redis over TLS", "redis");
} else {
  describeIdempotencyIndexContract("redis over TLS, an ACL user with its password", async () => {
    const connection = await RedisConnection.connect({
      url: redis.url,
      password: redis.password,
      tls: redis.tls,
    });
    return { index: new RedisIdempotencyIndex(connection), cleanup: () => connection.close() };
  });

  describe("RedisConnection over TLS", () => {
    it("connects with the password in the URL, and with a client certificate", async () => {
      const url = new URL(redis.url);
      url.password = redis.password;
      for (const tls of [redis.tls, redis.mutualTls]) {
        const connection = await RedisConnection.connect({ url: url.href, tls });
        try {
          expect(await connection.health()).toEqual({ ok: true });
          expect(await connection.client.acl("WHOAMI")).toBe("ragplane");
        } finally {
          await connection.close();
        }
      }
    });

    it("fails at once, WRONGPASS its cause, when the password is wrong", async () => {
      const started = performance.now();
      const error = await failureOf(
        RedisConnection.connect({ url: redis.url, password: "not-the-password", tls: redis.tls }),
      );
      expect(error).toBeInstanceOf(EngineUnavailableError);
      expect(causeOf(error)).toMatch(/^WRONGPASS/);
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it("fails at once, naming the certificate, when Redis's certificate is not from the trusted CA", async () => {
      const certs = await generateTestCerts();
      try {
        const started = performance.now();
        const error = await failureOf(
          RedisConnection.connect({
            url: redis.url,
            password: redis.password,
            tls: { ca: certs.otherCa.cert.toString("utf8") },
          }),
        );
        expect(error).toBeInstanceOf(EngineUnavailableError);
        expect(causeOf(error)).toMatch(/certificate/);
        expect(performance.now() - started).toBeLessThan(1000);
      } finally {
        await certs.remove();
      }
    });
  });
}
