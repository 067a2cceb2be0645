import type { Admin } from "kafkajs";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaEventLog } from "../../clients/events/kafka/log.js";
import { auditTenant, auditTopic, LogAuditLog } from "../../security/audit/log-audit.js";
import type { AuditEvent } from "../../security/audit/port.js";
import {
  describeSkippedWithoutKafka,
  kafkaBrokers,
  lazyKafkaAdmin,
} from "../support/kafka-admin.js";

const brokers = kafkaBrokers();
const prefix = `rpa${Date.now().toString(36)}${process.pid.toString(36)}`;
const logger = pino({ level: "silent" });

function auditEvent(requestId: string, extra: Partial<AuditEvent> = {}): AuditEvent {
  return {
    time: Date.now(),
    type: "authentication.failed",
    tenant: "acme",
    principal: "",
    method: "ragplane.v1.EventsService/Publish",
    peer: "10.1.2.3:4000",
    requestId,
    reason: "token expired",
    details: {},
    ...extra,
  };
}

if (brokers.length === 0) {
  describeSkippedWithoutKafka("LogAuditLog on Kafka");
} else {
  describe("LogAuditLog on Kafka", () => {
    const kafka = lazyKafkaAdmin(brokers);
    let admin: Admin;
    let events: KafkaEventLog;
    let audit: LogAuditLog;

    beforeAll(async () => {
      admin = await kafka.admin();
      events = await KafkaEventLog.connect({ brokers, clientId: prefix, topicPrefix: prefix });
      audit = await LogAuditLog.open({ events, logger });
    });
    afterAll(async () => {
      await audit?.close();
      await events?.close();
      await kafka.deleteTopics(prefix);
      await kafka.close();
    });

    it("keeps the trail in one Kafka topic of the reserved tenant, one partition, kept forever", async () => {
      const physical = `${prefix}.${auditTenant}.${auditTopic}`;
      const { topics } = await admin.fetchTopicMetadata({ topics: [physical] });
      expect(topics[0]?.partitions).toHaveLength(1);
      const { resources } = await admin.describeConfigs({
        resources: [{ type: 2, name: physical, configNames: ["retention.ms"] }],
        includeSynonyms: false,
      });
      expect(resources[0]?.configEntries[0]?.configValue).toBe("-1");
    });

    it("stores recorded events and answers queries with filters, positions and paging", async () => {
      const recorded = [
        auditEvent("k0"),
        auditEvent("k1", { tenant: "globex", type: "permission.denied" }),
        auditEvent("k2", { details: { keyId: "abc" } }),
        auditEvent("k3", { type: "permission.denied" }),
      ];
      for (const event of recorded) audit.record(event);
      await audit.flush();
      const linked = (i: number) => ({
        ...recorded[i],
        position: String(i),
        link: expect.objectContaining({ chain: audit.chainId, seq: i + 1 }),
      });
      expect(await audit.query({ limit: 10 })).toEqual({
        events: recorded.map((_, i) => linked(i)),
      });
      expect(
        (await audit.query({ limit: 10, tenant: "acme", types: ["permission.denied"] })).events,
      ).toEqual([linked(3)]);
      const first = await audit.query({ limit: 3 });
      expect(first.next).toBe("2");
      const rest = await audit.query({ limit: 3, after: first.next });
      expect(rest).toEqual({ events: [linked(3)] });
    });

    it("selects by time and answers at once when since lies after everything stored", async () => {
      const base = Date.now();
      for (let i = 0; i < 4; i++) audit.record(auditEvent(`t${i}`, { time: base + i }));
      await audit.flush();
      const window = await audit.query({ limit: 10, since: base + 1, until: base + 3 });
      expect(window.events.map((event) => event.requestId)).toEqual(["t1", "t2"]);
      const started = Date.now();
      expect(await audit.query({ limit: 10, since: Date.now() + 600_000 })).toEqual({
        events: [],
      });
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it("is one trail for every replica", async () => {
      const replica = await LogAuditLog.open({ events, logger });
      replica.record(auditEvent("from-replica", { type: "token.revoked" }));
      await replica.close();
      const page = await audit.query({ limit: 10, types: ["token.revoked"] });
      expect(page.events.map((event) => event.requestId)).toEqual(["from-replica"]);
    });

    it("never throws from record when the event log is closed; the events are counted as dropped", async () => {
      const closed = await KafkaEventLog.connect({
        brokers,
        clientId: `${prefix}-c`,
        topicPrefix: prefix,
      });
      const orphan = await LogAuditLog.open({
        events: closed,
        logger,
        attempts: 2,
        retryDelayMs: 1,
      });
      await closed.close();
      expect(() => orphan.record(auditEvent("lost"))).not.toThrow();
      await orphan.close();
      expect(orphan.dropped).toBe(1);
    });
  });
}
