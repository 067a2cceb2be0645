import { describe, expect, it } from "vitest";
import {
  escapeName,
  maxKafkaTopicLength,
  TopicNames,
  unescapeName,
} from "../../clients/events/kafka/topic-names.js";

const kafkaTopic = /^[A-Za-z0-9._-]{1,249}$/;

describe("TopicNames", () => {
  const names = new TopicNames("rp");

  it("names a tenant's topic <prefix>.<tenant>.<name>, escaping - and _", () => {
    expect(names.physical("acme", "orders")).toBe("rp.acme.orders");
    expect(names.physical("acme-eu", "Orders.v2")).toBe("rp.acme-eu.Orders.v2");
    expect(names.physical("acme", "my-topic_x")).toBe("rp.acme.my--topic-ux");
  });

  it("reads a physical name back only for its own tenant", () => {
    expect(names.logical("acme", "rp.acme.my--topic-ux")).toBe("my-topic_x");
    expect(names.logical("acme", "rp.acme-eu.orders")).toBeUndefined();
    expect(names.logical("acme", "other.acme.orders")).toBeUndefined();
    expect(names.logical("acme", "rp.acme.bad-escape")).toBeUndefined();
  });

  it("never gives two (tenant, topic) pairs the same name, nor names Kafka would call colliding", () => {
    const tenants = ["a", "a-b", "a-b-c", "b", "ab"];
    const topics = ["c", "b.c", "b-c", "b_c", "b--c", "-", "_", ".", "..", "-u", "u", "a.b_c"];
    const seen = new Map<string, string>();
    for (const tenant of tenants) {
      for (const topic of topics) {
        const physical = names.physical(tenant, topic);
        expect(physical).toMatch(kafkaTopic);
        const metricName = (physical ?? "").replaceAll(".", "_");
        expect(seen.get(metricName)).toBeUndefined();
        seen.set(metricName, `${tenant}/${topic}`);
        expect(names.logical(tenant, physical ?? "")).toBe(topic);
      }
    }
  });

  it("has no Kafka name for a topic that would exceed 249 characters", () => {
    const room = maxKafkaTopicLength - "rp.acme.".length;
    expect(names.physical("acme", "x".repeat(room))).toHaveLength(maxKafkaTopicLength);
    expect(names.physical("acme", "x".repeat(room + 1))).toBeUndefined();
    expect(names.physical("acme", "-".repeat(room / 2 + 1))).toBeUndefined();
  });

  it("has no Kafka name for characters Kafka does not allow", () => {
    expect(names.physical("acme", "a/b")).toBeUndefined();
    expect(names.physical("acme", "")).toBeUndefined();
  });

  it("names every tenant the platform accepts, keeping lower-case tenants' names as they were", () => {
    expect(names.physical("_system", "keys")).toBe("rp._system.keys");
    expect(names.physical("Acme.EU_1", "t")).toBe("rp.ZacmeZ0ZeZuZ11.t");
    const tenants = [
      "acme",
      "Acme",
      "ACME",
      "a.b",
      "a_b",
      "a-b",
      "aZ0b",
      "a.Zb",
      "A-z",
      "a0",
      "A0",
    ];
    const seen = new Map<string, string>();
    for (const tenant of tenants) {
      const prefix = names.tenantPrefix(tenant);
      expect(prefix.split(".")).toHaveLength(3);
      expect(`${prefix}t`).toMatch(kafkaTopic);
      expect(seen.get(prefix.replaceAll(".", "_"))).toBeUndefined();
      seen.set(prefix.replaceAll(".", "_"), tenant);
      expect(names.logical(tenant, `${prefix}t`)).toBe("t");
    }
  });

  it("refuses tenants and prefixes it could not keep apart", () => {
    expect(() => names.physical("", "t")).toThrow(RangeError);
    expect(() => names.physical("a b", "t")).toThrow(RangeError);
    expect(() => names.physical(".acme", "t")).toThrow(RangeError);
    expect(() => new TopicNames("r.p")).toThrow(RangeError);
    expect(() => new TopicNames("")).toThrow(RangeError);
  });
});

describe("escapeName / unescapeName", () => {
  it("round-trips every name of the API's alphabet", () => {
    for (const name of ["a", "A.b-c_d", "--", "__", "-_-", "x-u", "u-"]) {
      expect(unescapeName(escapeName(name))).toBe(name);
    }
  });

  it("rejects text the escaping never produces", () => {
    expect(unescapeName("a-b")).toBeUndefined();
    expect(unescapeName("a-")).toBeUndefined();
    expect(unescapeName("a_b")).toBeUndefined();
    expect(unescapeName("")).toBeUndefined();
  });
});
