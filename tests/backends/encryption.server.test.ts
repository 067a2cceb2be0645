import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventsService, type SubscribeResponse } from "../../gen/ragplane/v1/events_pb.js";
import { engineEnvFor } from "../support/engine-env.js";
import {
  describeSkippedWithoutKafka,
  kafkaBrokers,
  lazyKafkaAdmin,
} from "../support/kafka-admin.js";
import { startTestServer, type TestServer, waitUntilReady } from "../support/server.js";

const brokers = kafkaBrokers();
const prefix = `rpk${Date.now().toString(36)}${process.pid.toString(36)}`;
const utf8 = new TextEncoder();
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

if (brokers.length === 0 || !process.env.REDIS_URL) {
  describeSkippedWithoutKafka("encryption at rest on two servers sharing Kafka and Redis", {
    alsoSet: " and REDIS_URL",
    engines: "redis kafka",
  });
} else {
  describe("encryption at rest on two servers sharing Kafka and Redis", () => {
    const testAdmin = lazyKafkaAdmin(brokers);
    let first: TestServer;
    let second: TestServer;
    const env = {
      ...engineEnvFor(["kafka", "redis"]),
      KAFKA_TOPIC_PREFIX: prefix,
      ENCRYPTION_KEY_CACHE_MS: "300",
    };

    beforeAll(async () => {
      first = await startTestServer(env);
      second = await startTestServer(env, undefined, { adminKey: first.adminKey });
      await Promise.all([waitUntilReady(first), waitUntilReady(second)]);
    }, 120_000);
    afterAll(async () => {
      await second?.close();
      await first?.close();
      await testAdmin.deleteTopics(prefix);
      await testAdmin.close();
    });

    const events = (server: TestServer) =>
      createClient(EventsService, server.transport("grpc-js", { apiKey: first.adminKey }));

    async function subscribe(server: TestServer, count: number): Promise<SubscribeResponse[]> {
      const abort = new AbortController();
      const received: SubscribeResponse[] = [];
      for await (const response of events(server).subscribe(
        { topic: "people" },
        { signal: abort.signal },
      )) {
        received.push(response);
        if (received.length === count) break;
      }
      abort.abort();
      return received.sort((a, b) => (a.event?.id ?? "").localeCompare(b.event?.id ?? ""));
    }

    it("opens on one server what the other sealed, and both tombstone an erased subject", async () => {
      await events(first).createTopic({ name: "people", partitions: 3 });
      await events(first).publish({
        topic: "people",
        events: [
          { id: "a", payload: utf8.encode("Ada's file"), subject: "ada" },
          { id: "b", payload: utf8.encode("shared notes") },
        ],
      });
      const read = await subscribe(second, 2);
      expect(read.map((response) => text(response.event?.payload))).toEqual([
        "Ada's file",
        "shared notes",
      ]);
      expect(read[0]?.event?.subject).toBe("ada");

      expect(await first.engines.keyring?.destroySubjectKey("default", "ada")).toBe(true);
      await sleep(second.engines.keyring?.cacheMs ?? 0);
      for (const server of [first, second]) {
        const after = await subscribe(server, 2);
        expect(after[0]?.event).toMatchObject({ id: "a", erased: true, subject: "" });
        expect(text(after[0]?.event?.payload)).toBe("");
        expect(text(after[1]?.event?.payload)).toBe("shared notes");
      }
    });
  });
}
