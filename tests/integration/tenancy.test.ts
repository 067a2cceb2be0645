import type { DescService } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import type { TestCredentials } from "../support/credentials.js";
import { rejection } from "../support/errors.js";
import {
  startTestServer,
  type TestServer,
  type TransportName,
  transportNames,
} from "../support/server.js";
import { describeAliasesIsolation } from "./tenancy.aliases.js";
import { describeComplianceIsolation } from "./tenancy.compliance.js";
import { describeEventsIsolation } from "./tenancy.events.js";
import { describeGraphsIsolation } from "./tenancy.graphs.js";
import { describeRetrievalIsolation } from "./tenancy.retrieval.js";
import { consume, expectHidden, type Tenants, tenantA, tenantB } from "./tenancy.support.js";
import { describeVectorsIsolation } from "./tenancy.vectors.js";

/** Ends a subscription that was wrongly let through, instead of leaving it open. */
const stream = { timeoutMs: 3_000 };

let server: TestServer;
const keys = { a: "", b: "" };
beforeAll(async () => {
  server = await startTestServer({ ENCRYPTION_KEY_CACHE_MS: "50" });
  keys.a = await server.createKey(tenantA);
  keys.b = await server.createKey(tenantB);
});
afterAll(() => server.close());

describe.each(transportNames)("tenant isolation over %s", (transportName: TransportName) => {
  const clientOf = <S extends DescService>(service: S, credentials?: TestCredentials) =>
    createClient(service, server.transport(transportName, credentials));
  const tenants: Tenants = {
    transportName,
    a: (service) => clientOf(service, { apiKey: keys.a }),
    b: (service) => clientOf(service, { apiKey: keys.b }),
  };

  describeEventsIsolation(tenants);
  describeVectorsIsolation(tenants);
  describeGraphsIsolation(tenants);
  describeAliasesIsolation(tenants);
  describeRetrievalIsolation(tenants);
  describeComplianceIsolation(tenants);

  describe("credentials", () => {
    it("a call without credentials, or with an unknown key, is UNAUTHENTICATED on every service and writes nothing", async () => {
      for (const credentials of ["anonymous", { apiKey: "rp_unknown" }] as const) {
        const codes = [
          (await rejection(clientOf(EventsService, credentials).listTopics({}))).code,
          (
            await rejection(
              consume(clientOf(EventsService, credentials).subscribe({ topic: "t" }, stream)),
            )
          ).code,
          (await rejection(clientOf(VectorsService, credentials).listCollections({}))).code,
          (await rejection(clientOf(GraphsService, credentials).getNode({ id: "n" }))).code,
        ];
        expect(codes).toEqual(Array(4).fill(Code.Unauthenticated));
      }
      const write = await rejection(
        clientOf(GraphsService, "anonymous").upsertNodes({
          nodes: [{ id: `anon-${transportName}` }],
        }),
      );
      expect(write.code).toBe(Code.Unauthenticated);
      const stored = await rejection(
        clientOf(GraphsService).getNode({ id: `anon-${transportName}` }),
      );
      expect(stored.code).toBe(Code.NotFound);
    });

    it("a tenant's key, even with the admin scope, cannot see the default tenant's data", async () => {
      const topic = `default-topic-${transportName}`;
      const collection = `default-vectors-${transportName}`;
      const node = `default-node-${transportName}`;
      const admin = {
        events: clientOf(EventsService),
        vectors: clientOf(VectorsService),
        graphs: clientOf(GraphsService),
      };
      await admin.events.createTopic({ name: topic });
      await admin.events.publish({ topic, events: [{ id: "d1" }] });
      await admin.vectors.createCollection({
        name: collection,
        dimension: 2,
        distance: Distance.DOT,
      });
      await admin.vectors.upsert({ collection, points: [{ id: "d1", vector: [1, 1] }] });
      await admin.graphs.upsertNodes({ nodes: [{ id: node, labels: ["Secret"] }] });

      const events = tenants.a(EventsService);
      const vectors = tenants.a(VectorsService);
      const graphs = tenants.a(GraphsService);
      expect((await events.listTopics({})).topics.map((t) => t.name)).not.toContain(topic);
      await expectHidden(
        (name) => consume(events.subscribe({ topic: name }, stream)),
        topic,
        `${topic}-x`,
      );
      await expectHidden(
        (name) => events.publish({ topic: name, events: [{ id: "d1" }] }),
        topic,
        `${topic}-x`,
      );
      expect((await vectors.listCollections({})).collections.map((c) => c.name)).not.toContain(
        collection,
      );
      await expectHidden((name) => vectors.getCollection({ name }), collection, `${collection}-x`);
      await expectHidden((id) => graphs.getNode({ id }), node, `${node}-x`);

      expect((await admin.vectors.count({ collection })).count).toBe(1n);
      expect((await admin.graphs.getNode({ id: node })).node?.labels).toEqual(["Secret"]);
    });
  });
});
