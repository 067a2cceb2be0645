import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "@connectrpc/connect";
import type { SASLOptions } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tlsConnectOptions } from "../../clients/tls.js";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { generateApiKey } from "../../security/api-keys/format.js";
import { generateTestCerts, type TestCerts } from "../support/certs.js";
import { embeddedEngineEnv } from "../support/engine-env.js";
import { expectPublishDuplicateReplay } from "../support/events-round-trip.js";
import { lazyKafkaAdmin } from "../support/kafka-admin.js";
import { sharedKeyFile } from "../support/key-file.js";
import {
  describeSkippedWithoutSecuredLinks,
  securedKafka,
  securedRedis,
} from "../support/secured-engines.js";
import { startTestServer, type TestServer, waitUntilReady } from "../support/server.js";
import { type ServerProcess, startServerProcess } from "../support/server-process.js";

const kafka = securedKafka();
const redis = securedRedis();
const run = randomUUID().slice(0, 8);

if (kafka === undefined || redis === undefined) {
  describeSkippedWithoutSecuredLinks("the server on secured links", "redis kafka");
} else {
  const kafkaLink = {
    KAFKA_BROKERS: kafka.brokers.join(","),
    KAFKA_TLS: "true",
    KAFKA_TLS_CA_FILE: kafka.caFile,
    KAFKA_SASL_MECHANISM: "SCRAM-SHA-512",
    KAFKA_SASL_USERNAME: kafka.sasl.username,
    KAFKA_SASL_PASSWORD: kafka.sasl.password,
  };
  const redisLink = {
    REDIS_URL: redis.url,
    REDIS_PASSWORD: redis.password,
    REDIS_TLS_CA_FILE: redis.caFile,
  };
  const testAdmin = lazyKafkaAdmin(kafka.brokers, {
    ssl: tlsConnectOptions(kafka.tls),
    sasl: { ...kafka.sasl } as SASLOptions,
  });
  afterAll(() => testAdmin.close());

  describe("a production server on Kafka over TLS and SCRAM, and Redis over mutual TLS with a password", () => {
    const prefix = `lnk${run}`;
    let server: TestServer;

    beforeAll(async () => {
      const keyFile = await sharedKeyFile();
      server = await startTestServer({
        ...embeddedEngineEnv,
        ENCRYPTION_KEY_FILE: keyFile,
        ...kafkaLink,
        ...redisLink,
        REDIS_TLS_CERT_FILE: redis.clientCertFile,
        REDIS_TLS_KEY_FILE: redis.clientKeyFile,
        KAFKA_TOPIC_PREFIX: prefix,
        NODE_ENV: "production",
        AUTH_METHODS: "api-key",
        BOOTSTRAP_ADMIN_KEY: generateApiKey().key,
      });
      await waitUntilReady(server);
    });
    afterAll(async () => {
      await server?.close();
      await testAdmin.deleteTopics(prefix);
    });

    it("runs in production mode and reports every service ready", async () => {
      expect(server.config.production).toBe(true);
      expect(server.config.allowInsecureEngines).toBe(false);
      const response = await fetch(`http://127.0.0.1:${server.ports.httpPort}/readyz`);
      expect(response.status).toBe(200);
    });

    it("publishes, acknowledges a repeat as a duplicate through Redis, and replays, with a key kept on Kafka", async () => {
      const key = await server.createKey("acme");
      const events = createClient(EventsService, server.transport("grpc-js", { apiKey: key }));
      await expectPublishDuplicateReplay(events, "orders");
    });
  });

  describe("a server whose link to an engine is refused", () => {
    let certs: TestCerts;
    const started: ServerProcess[] = [];
    beforeAll(async () => {
      certs = await generateTestCerts();
    });
    afterAll(async () => {
      for (const process of started) await process.stop();
      await certs?.remove();
    });

    /** Starts the server and waits for its first log line about `engine`'s failed connect. */
    async function firstConnectFailure(
      env: Record<string, string>,
      engine: string,
    ): Promise<{ readonly server: ServerProcess; readonly message: string; readonly ms: number }> {
      const startedAt = performance.now();
      const server = await startServerProcess({ ...embeddedEngineEnv, ...env });
      started.push(server);
      for (;;) {
        const line = server.logLines.find(
          (entry) => entry.engine === engine && entry.msg === "engine not reachable yet",
        );
        if (line !== undefined) {
          const message = String((line.err as { message?: unknown } | undefined)?.message);
          return { server, message, ms: performance.now() - startedAt };
        }
        if (performance.now() - startedAt > 20_000)
          throw new Error(`no connect failure of ${engine} was logged within 20 s`);
        await sleep(100);
      }
    }

    it("logs at start that Kafka refused the SASL credentials, and is not ready", async () => {
      const { server, message, ms } = await firstConnectFailure(
        { ...kafkaLink, KAFKA_SASL_PASSWORD: "not-the-password", KAFKA_TOPIC_PREFIX: `bad${run}` },
        "kafka",
      );
      expect(message).toMatch(/SASL SCRAM SHA512 authentication failed/);
      expect(message).not.toContain("not-the-password");
      expect(ms).toBeLessThan(15_000);
      const response = await fetch(`http://127.0.0.1:${server.ports.httpPort}/readyz`);
      expect(response.status).toBe(503);
    });

    it("logs at start that Redis's certificate is not from the trusted CA, and is not ready", async () => {
      const { server, message, ms } = await firstConnectFailure(
        { ...redisLink, REDIS_TLS_CA_FILE: certs.otherCa.certFile },
        "redis",
      );
      expect(message).toMatch(/certificate/);
      expect(ms).toBeLessThan(15_000);
      const response = await fetch(`http://127.0.0.1:${server.ports.httpPort}/readyz`);
      expect(response.status).toBe(503);
    });
  });
}
