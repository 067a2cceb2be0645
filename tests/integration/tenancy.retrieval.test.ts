import type { DescService } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe } from "vitest";
import { startTestServer, type TestServer, transportNames } from "../support/server.js";
import { describeRetrievalIsolation } from "./tenancy.retrieval.js";
import { type Tenants, tenantA, tenantB } from "./tenancy.support.js";

let server: TestServer;
const keys = { a: "", b: "" };
beforeAll(async () => {
  server = await startTestServer();
  keys.a = await server.createKey(tenantA);
  keys.b = await server.createKey(tenantB);
});
afterAll(() => server.close());

describe.each(transportNames)("tenant isolation over %s", (transportName) => {
  const clientOf = <S extends DescService>(service: S, apiKey: string) =>
    createClient(service, server.transport(transportName, { apiKey }));
  const tenants: Tenants = {
    transportName,
    a: (service) => clientOf(service, keys.a),
    b: (service) => clientOf(service, keys.b),
  };
  describeRetrievalIsolation(tenants);
});
