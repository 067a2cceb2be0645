import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisConnection } from "../../clients/redis/connection.js";
import { AdminService } from "../../gen/ragplane/v1/admin_pb.js";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { tokenRevocationKey } from "../../security/revocation/port.js";
import { RedisRevocationList } from "../../security/revocation/redis.js";
import { embeddedEngineEnv } from "../support/engine-env.js";
import { rejection } from "../support/errors.js";
import { faultRunDir, faultSkipReason, restartEngine } from "../support/faults/engine-control.js";
import {
  createTestKey,
  jwksOf,
  signToken,
  type TestKey,
  testAudience,
  testClaims,
  testIssuer,
} from "../support/jwt.js";
import { startTestServer, type TestServer, waitUntilReady } from "../support/server.js";

const redisUrl = process.env.REDIS_URL;

/**
 * With `appendfsync everysec` Redis writes a command to its append-only file before it
 * replies, and has it on disk within a second, or two when a slow fsync holds the write
 * back: a write this old survives even the machine. The restart below is of the process.
 */
const aofDurableAfterMs = 2_000;

if (!redisUrl || faultRunDir === undefined) {
  describe.skip(`token revocations across a Redis restart — ${redisUrl ? faultSkipReason : "skipped: set REDIS_URL, e.g. from scripts/engines/start.sh redis"}`, () => {
    it("runs against a real Redis this run may restart", () => {});
  });
} else {
  describe("token revocations across a Redis restart", () => {
    const run = randomUUID().slice(0, 8);
    const revoked: string[] = [];
    let dir: string;
    let key: TestKey;
    let env: Record<string, string>;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "ragplane-revocation-restart-"));
      key = await createTestKey("ES256");
      const jwksFile = join(dir, "jwks.json");
      await writeFile(jwksFile, JSON.stringify(jwksOf(key)));
      env = {
        ...embeddedEngineEnv,
        REDIS_URL: redisUrl,
        JWT_JWKS_FILE: jwksFile,
        JWT_ISSUER: testIssuer,
        JWT_AUDIENCE: testAudience,
      };
    });
    afterAll(async () => {
      const redis = await RedisConnection.connect({ url: redisUrl });
      try {
        if (revoked.length > 0) await redis.client.zrem("rp:revoked-jti", ...revoked);
      } finally {
        await redis.close();
      }
      await rm(dir, { recursive: true, force: true });
    });

    /** A server on Redis (everything else embedded) whose token denylist has loaded. */
    const startServer = async (): Promise<TestServer> => {
      const server = await startTestServer(env);
      await server.engines.redisReady;
      if (!(await waitUntilReady(server, 30_000, 100))) {
        throw new Error("the server did not become ready");
      }
      return server;
    };

    const listCollections = (server: TestServer, token: string) =>
      createClient(VectorsService, server.transport("grpc-js", { token })).listCollections({});

    it.each([
      [`killed with SIGKILL ${aofDurableAfterMs} ms after the revocation`, true],
      ["stopped with SIGTERM", false],
    ])(
      "a token revoked through AdminService stays revoked once Redis is %s and restarted: a fresh server and a fresh list refuse it",
      async (_how, kill) => {
        const tenant = `persist-${run}`;
        const jti = randomUUID();
        const token = await signToken(key, testClaims({ jti, tenant, scope: "vectors:read" }));
        revoked.push(tokenRevocationKey(tenant, jti));

        const before = await startServer();
        try {
          await listCollections(before, token);
          const admin = createClient(AdminService, before.transport("grpc-js"));
          await admin.revokeToken({ jti, tenant });
          const refused = await rejection(listCollections(before, token));
          expect(refused.code).toBe(Code.Unauthenticated);
          expect(refused.message).toContain("revoked");
        } finally {
          await before.close();
        }

        if (kill) await sleep(aofDurableAfterMs);
        await restartEngine("redis", { kill });

        const after = await startServer();
        try {
          const refused = await rejection(listCollections(after, token));
          expect(refused.code).toBe(Code.Unauthenticated);
          expect(refused.message).toContain("revoked");
        } finally {
          await after.close();
        }
        const redis = await RedisConnection.connect({ url: redisUrl });
        try {
          const list = await RedisRevocationList.start({ redis, refreshMs: 60_000 });
          expect(list.loaded).toBe(true);
          expect(list.isRevoked(tokenRevocationKey(tenant, jti))).toBe(true);
          await list.close();
        } finally {
          await redis.close();
        }
      },
      60_000,
    );
  });
}
