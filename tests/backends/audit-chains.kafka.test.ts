import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService, type AuditVerifyResult } from "../../gen/ragplane/v1/admin_pb.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { embeddedEngineEnv } from "../support/engine-env.js";
import { describeSkippedWithoutKafka, kafkaBrokers } from "../support/kafka-admin.js";
import { startTestServer, type TestServer } from "../support/server.js";

const brokers = kafkaBrokers();
const prefix = `rpc${Date.now().toString(36)}${process.pid.toString(36)}`;

if (brokers.length === 0) {
  describeSkippedWithoutKafka("audit trail hash chains of two servers on Kafka");
} else {
  describe("audit trail hash chains of two servers on Kafka", () => {
    let first: TestServer;
    let second: TestServer;
    const env = {
      ...embeddedEngineEnv,
      KAFKA_BROKERS: brokers.join(","),
      KAFKA_TOPIC_PREFIX: prefix,
    };

    beforeAll(async () => {
      first = await startTestServer(env);
      second = await startTestServer(env, undefined, { adminKey: first.adminKey });
    }, 120_000);
    afterAll(async () => {
      await second?.close();
      await first?.close();
    });

    const admin = (server: TestServer) =>
      createClient(AdminService, server.transport("grpc-js", { apiKey: first.adminKey }));
    const vectors = (server: TestServer) =>
      createClient(VectorsService, server.transport("grpc-js", { apiKey: first.adminKey }));

    async function untilAccepted<T>(call: () => Promise<T>): Promise<T> {
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          return await call();
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await sleep(250);
        }
      }
    }

    async function verify(server: TestServer): Promise<AuditVerifyResult> {
      let result: AuditVerifyResult | undefined;
      for await (const message of admin(server).verifyAuditTrail({})) {
        if (message.step.case === "result") result = message.step.value;
      }
      if (result === undefined) throw new Error("no result");
      return result;
    }

    it("shares read auditing and interleaves both servers' chains in one trail, verified intact", async () => {
      await untilAccepted(() => vectors(second).listCollections({}));
      await untilAccepted(() =>
        admin(second).updateTenantSettings({ tenant: "default", readAuditing: true }),
      );
      await untilAccepted(async () => {
        if (!first.security.auditSettings.readsAudited("default")) throw new Error("not yet");
      });
      for (const [i, server] of [first, second, first, second].entries()) {
        const name = `c${i}`;
        await vectors(server).createCollection({ name, dimension: 2, distance: Distance.COSINE });
        await vectors(server).upsert({ collection: name, points: [{ id: "p", vector: [1, 0] }] });
        await vectors(server).search({ collection: name, vector: [1, 0], limit: 1 });
        await vectors(server).deleteCollection({ name });
      }
      await first.security.auditTrail.flush();
      await second.security.auditTrail.flush();

      const page = await admin(first).listAuditEvents({
        tenant: "default",
        types: ["data.write", "data.delete", "data.read"],
        pageSize: 1000,
      });
      const chains = new Set(page.events.map((event) => event.chainId));
      expect(chains).toEqual(
        new Set([first.security.auditTrail.chainId, second.security.auditTrail.chainId]),
      );
      expect(page.events.filter((event) => event.type === "data.read")).toHaveLength(4);

      for (const server of [first, second]) {
        const result = await verify(server);
        expect(result.ok).toBe(true);
        expect(result.unreadable).toBeUndefined();
        const ids = result.chains.map((chain) => chain.chainId);
        expect(ids).toContain(first.security.auditTrail.chainId);
        expect(ids).toContain(second.security.auditTrail.chainId);
        for (const chain of result.chains) {
          expect(chain.broken).toBeUndefined();
          expect(chain.lastSeq).toBe(chain.entries);
        }
      }
    }, 120_000);
  });
}
