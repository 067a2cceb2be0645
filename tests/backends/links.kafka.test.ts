import type { SASLOptions } from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { EngineUnavailableError } from "../../clients/errors.js";
import { KafkaEventLog, type KafkaEventLogOptions } from "../../clients/events/kafka/log.js";
import { RedisConnection } from "../../clients/redis/connection.js";
import { tlsConnectOptions } from "../../clients/tls.js";
import { describeEventLogContract } from "../contract/events.contract.js";
import { event, failureOf, ids, take } from "../contract/events.support.js";
import { generateTestCerts } from "../support/certs.js";
import { lazyKafkaAdmin } from "../support/kafka-admin.js";
import { kafkaLogFixture } from "../support/kafka-log-fixture.js";
import {
  describeSkippedWithoutSecuredLinks,
  securedKafka,
  securedRedis,
} from "../support/secured-engines.js";

const kafka = securedKafka();
const redis = securedRedis();
const run = `rpl${Date.now().toString(36)}${process.pid.toString(36)}`;
const beginning = { start: { kind: "beginning" } } as const;

/** The message of an error and of its causes, as the server's log line shows them. */
function messages(error: unknown): string {
  const parts: string[] = [];
  for (let e = error; e instanceof Error && parts.length < 8; e = e.cause) parts.push(e.message);
  return parts.join(": ");
}

if (kafka === undefined) {
  describeSkippedWithoutSecuredLinks("EventLog contract: kafka over TLS and SASL", "kafka");
} else {
  const testAdmin = lazyKafkaAdmin(kafka.brokers, {
    ssl: tlsConnectOptions(kafka.tls),
    sasl: { ...kafka.sasl } as SASLOptions,
  });
  afterAll(() => testAdmin.close());

  const base = (prefix: string): KafkaEventLogOptions => ({
    brokers: kafka.brokers,
    clientId: `ragplane-test-${prefix}`,
    topicPrefix: prefix,
    idempotencyWindowMs: 10 * 60_000,
  });
  const secured = (prefix: string): KafkaEventLogOptions => ({
    ...base(prefix),
    tls: kafka.tls,
    sasl: kafka.sasl,
  });

  describeEventLogContract(
    redis === undefined
      ? "kafka over SASL_SSL (SCRAM-SHA-512), idempotency index in memory"
      : "kafka over SASL_SSL (SCRAM-SHA-512), idempotency index in Redis over TLS",
    async () => {
      const prefix = `${run}-c`;
      const index =
        redis === undefined
          ? undefined
          : await RedisConnection.connect({
              url: redis.url,
              password: redis.password,
              tls: redis.tls,
            });
      const options = { ...secured(prefix), ...(index === undefined ? {} : { redis: index }) };
      return kafkaLogFixture(options, async () => {
        await index?.close();
        await testAdmin.deleteTopics(prefix);
      });
    },
    { settleMs: 250 },
  );

  describe("KafkaEventLog on a secured listener", () => {
    const tenant = "acme";

    it("writes and reads over mutual TLS, the client certificate its only credential", async () => {
      const prefix = `${run}-m`;
      const log = await KafkaEventLog.connect({
        ...base(prefix),
        brokers: kafka.mtlsBrokers,
        tls: kafka.mutualTls,
      });
      try {
        await log.createTopic(tenant, { name: "mtls", partitions: 1, retentionMs: 0 });
        await log.append(tenant, "mtls", [event("a"), event("b")]);
        expect(ids(await take(log, tenant, "mtls", beginning, 2, 5000))).toEqual(["a", "b"]);
      } finally {
        await log.close();
        await testAdmin.deleteTopics(prefix);
      }
    });

    it("fails at once with the SASL failure as the cause when the password is wrong", async () => {
      const started = performance.now();
      const error = await failureOf(
        KafkaEventLog.connect({
          ...secured(`${run}-w`),
          sasl: { ...kafka.sasl, password: "not-the-password" },
        }),
      );
      expect(error).toBeInstanceOf(EngineUnavailableError);
      expect(messages(error)).toMatch(/SASL SCRAM SHA512 authentication failed/);
      expect(performance.now() - started).toBeLessThan(5000);
    });

    it("fails within seconds, saying so, when the broker's certificate is not from the trusted CA", async () => {
      const certs = await generateTestCerts();
      try {
        const started = performance.now();
        const error = await failureOf(
          KafkaEventLog.connect({
            ...secured(`${run}-u`),
            tls: { ca: certs.otherCa.cert.toString("utf8") },
            retries: 1,
          }),
        );
        expect(error).toBeInstanceOf(EngineUnavailableError);
        expect(messages(error)).toMatch(/certificate/);
        expect(performance.now() - started).toBeLessThan(5000);
      } finally {
        await certs.remove();
      }
    });

    it("is refused by a listener that requires a client certificate when it has none", async () => {
      const error = await failureOf(
        KafkaEventLog.connect({
          ...base(`${run}-n`),
          brokers: kafka.mtlsBrokers,
          tls: kafka.tls,
          retries: 1,
        }),
      );
      expect(error).toBeInstanceOf(EngineUnavailableError);
      expect(messages(error)).toMatch(/certificate/);
    });
  });
}
