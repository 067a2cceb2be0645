import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { AdminService } from "../../gen/ragplane/v1/admin_pb.js";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { rejection } from "../support/errors.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    RATE_LIMIT_REFUSED_PER_CALLER: "5",
    RATE_LIMIT_WINDOW_MS: "60000",
  });
});
afterAll(() => server?.close());

async function codes(call: () => Promise<unknown>, times: number): Promise<Code[]> {
  const seen: Code[] = [];
  for (let i = 0; i < times; i++) seen.push((await rejection(call())).code);
  return seen;
}

describe("refused calls draw from a budget", () => {
  it("turns a principal's denials past the budget into RESOURCE_EXHAUSTED, audited once with a count to come", async () => {
    const key = await server.createKey("acme", ["events:read"]);
    const vectors = createClient(VectorsService, server.transport("grpc-js", { apiKey: key }));
    const seen = await codes(() => vectors.listCollections({}), 8);
    expect(seen).toEqual([
      ...Array<Code>(5).fill(Code.PermissionDenied),
      ...Array<Code>(3).fill(Code.ResourceExhausted),
    ]);
    const refusal = await rejection(vectors.listCollections({}));
    expect(refusal.findDetails(RetryInfoSchema)[0]?.retryDelay).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const admin = createClient(AdminService, server.transport("grpc-js"));
    const { events } = await admin.listAuditEvents({ types: ["permission.denied"], pageSize: 100 });
    expect(events.filter((event) => event.tenant === "acme")).toHaveLength(1);
  });

  it("turns a peer's failed authentications past the budget into RESOURCE_EXHAUSTED", async () => {
    const stranger = createClient(
      VectorsService,
      server.transport("connect", {
        apiKey: "rp_0000000000000000_00000000000000000000000000000000",
      }),
    );
    const seen = await codes(() => stranger.listCollections({}), 7);
    expect(seen).toEqual([
      ...Array<Code>(5).fill(Code.Unauthenticated),
      ...Array<Code>(2).fill(Code.ResourceExhausted),
    ]);
  });
});
