import { randomUUID } from "node:crypto";
import type { DescService } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe } from "vitest";
import { describeAliasesIsolation } from "../integration/tenancy.aliases.js";
import { describeComplianceIsolation } from "../integration/tenancy.compliance.js";
import { describeEventsIsolation } from "../integration/tenancy.events.js";
import { describeGraphsIsolation } from "../integration/tenancy.graphs.js";
import { describeRetrievalIsolation } from "../integration/tenancy.retrieval.js";
import { type Tenants, tenantA, tenantB } from "../integration/tenancy.support.js";
import { describeVectorsIsolation } from "../integration/tenancy.vectors.js";
import { realEngineEnv, realEnginesConfigured } from "../support/engine-env.js";
import {
  startTestServer,
  type TestServer,
  transportNames,
  waitUntilReady,
} from "../support/server.js";

describe.skipIf(!realEnginesConfigured)(
  "tenant isolation on real engines (Kafka, Neo4j; Qdrant when QDRANT_URL is set)",
  () => {
    let server: TestServer;
    const keys = { a: "", b: "" };
    const run = randomUUID().slice(0, 8);

    beforeAll(async () => {
      server = await startTestServer({
        ...realEngineEnv,
        KAFKA_TOPIC_PREFIX: `ten${run}`,
        ENCRYPTION_KEY_CACHE_MS: "50",
      });
      await waitUntilReady(server);
      keys.a = await server.createKey(`${tenantA}-${run}`);
      keys.b = await server.createKey(`${tenantB}-${run}`);
    });
    afterAll(() => server?.close());

    describe.each(transportNames)("over %s", (transportName) => {
      const clientOf = <S extends DescService>(service: S, apiKey: () => string) =>
        createClient(service, server.transport(transportName, { apiKey: apiKey() }));
      const tenants: Tenants = {
        transportName,
        a: (service) => clientOf(service, () => keys.a),
        b: (service) => clientOf(service, () => keys.b),
      };
      describeEventsIsolation(tenants);
      describeVectorsIsolation(tenants);
      describeGraphsIsolation(tenants);
      describeAliasesIsolation(tenants);
      describeRetrievalIsolation(tenants);
      describeComplianceIsolation(tenants);
    });
  },
);
