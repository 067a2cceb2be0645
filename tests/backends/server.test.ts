import { randomUUID } from "node:crypto";
import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { realEngineEnv, realEnginesConfigured } from "../support/engine-env.js";
import { rejection } from "../support/errors.js";
import { expectPublishDuplicateReplay } from "../support/events-round-trip.js";
import {
  startTestServer,
  type TestServer,
  transportNames,
  waitUntilReady,
} from "../support/server.js";

describe.skipIf(!realEnginesConfigured)(
  "the server on real engines (needs KAFKA_BROKERS and NEO4J_URL)",
  () => {
    let server: TestServer;
    const run = randomUUID().slice(0, 8);

    beforeAll(async () => {
      server = await startTestServer({ ...realEngineEnv, KAFKA_TOPIC_PREFIX: `srv${run}` });
      await waitUntilReady(server);
    });
    afterAll(() => server?.close());

    it("serves events to a tenant whose id has upper-case letters, dots and underscores", async () => {
      const key = await server.createKey("Acme.EU_1");
      const events = createClient(EventsService, server.transport("grpc-js", { apiKey: key }));
      await events.createTopic({ name: "orders", partitions: 1 });
      const acks = await events.publish({ topic: "orders", events: [{ id: "o1" }] });
      expect(acks.acks[0]?.duplicate).toBe(false);
      const listed = await events.listTopics({});
      expect(listed.topics.map((topic) => topic.name)).toEqual(["orders"]);
      const abort = new AbortController();
      for await (const response of events.subscribe(
        { topic: "orders" },
        { signal: abort.signal },
      )) {
        expect(response.event?.id).toBe("o1");
        break;
      }
      abort.abort();
    });

    it("reports every service ready once the engines are connected", async () => {
      const response = await fetch(`http://127.0.0.1:${server.ports.httpPort}/readyz`);
      expect(response.status).toBe(200);
    });

    describe.each(transportNames)("over %s", (transportName) => {
      it("publishes to Kafka, acknowledges a repeat as a duplicate, and replays", async () => {
        const events = createClient(EventsService, server.transport(transportName));
        await expectPublishDuplicateReplay(events, `t-${transportName}`);
      });

      it("writes a graph to Neo4j in one transaction and traverses it", async () => {
        const graphs = createClient(GraphsService, server.transport(transportName));
        const id = (name: string) => `${run}-${transportName}-${name}`;
        await graphs.upsertNodes({
          nodes: [
            { id: id("a"), labels: ["Doc"] },
            { id: id("b"), labels: ["Doc"] },
          ],
        });
        await graphs.upsertRelationships({
          relationships: [{ fromId: id("a"), toId: id("b"), type: "CITES" }],
        });
        const failed = await rejection(
          graphs.upsertRelationships({
            relationships: [{ fromId: id("a"), toId: id("ghost"), type: "CITES" }],
          }),
        );
        expect(failed.code).toBe(Code.FailedPrecondition);
        const neighbors = await graphs.neighbors({ nodeId: id("a") });
        expect(neighbors.nodes.map((node) => node.id)).toEqual([id("a"), id("b")]);
        expect(neighbors.relationships).toHaveLength(1);
      });
    });
  },
);
