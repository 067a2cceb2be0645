import { randomUUID } from "node:crypto";
import type { DescService } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe } from "vitest";
import { describeAliasesIsolation } from "../integration/tenancy.aliases.js";
import { type Tenants, tenantA, tenantB } from "../integration/tenancy.support.js";
import { realEngineEnv } from "../support/engine-env.js";
import { startTestServer, type TestServer, transportNames } from "../support/server.js";

/**
 * The alias isolation cases against Qdrant at `QDRANT_URL` (with whatever other real
 * engines the environment names): tenants of one server share Qdrant's catalog, where
 * their aliases' records sit beside each other.
 */
describe.skipIf(process.env.QDRANT_URL === undefined)(
  "alias tenant isolation on Qdrant (skipped unless QDRANT_URL is set)",
  () => {
    let server: TestServer;
    const keys = { a: "", b: "" };
    const run = randomUUID().slice(0, 8);

    beforeAll(async () => {
      server = await startTestServer({ ...realEngineEnv, KAFKA_TOPIC_PREFIX: `ali${run}` });
      const deadline = Date.now() + 30_000;
      while (!(await server.server.health.refresh()).ready && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
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
      describeAliasesIsolation(tenants);
    });
  },
);
