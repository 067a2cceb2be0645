import { create, type DescMethod, type Message } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { GraphsService, NeighborsRequestSchema } from "../../gen/ragplane/v1/graphs_pb.js";
import { SearchRequestSchema, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import type { CallOutput, Next } from "../../interceptors/call.js";
import { createExpensiveCallLimitInterceptor } from "../../interceptors/expensive-calls.js";
import { tenantKey } from "../../interceptors/values.js";
import { RateLimitedError } from "../../security/errors.js";
import { FakeCall } from "../support/fake-call.js";

const search = VectorsService.method.search;
const neighbors = GraphsService.method.neighbors;

/** A service whose calls run until released, counting how many ran. */
function heldService() {
  const releases: (() => void)[] = [];
  let served = 0;
  const next: Next = () =>
    new Promise<CallOutput>((resolve) => {
      served++;
      releases.push(() => resolve({ stream: false, message: create(SearchRequestSchema) }));
    });
  return {
    next,
    releaseAll: () => {
      for (const release of releases.splice(0)) release();
    },
    served: () => served,
  };
}

function limited(maxPerTenant: number, method: DescMethod = search) {
  const service = heldService();
  const handler = createExpensiveCallLimitInterceptor({ maxPerTenant })(service.next, method);
  const call = (tenant: string, message: Message) => {
    const fake = new FakeCall(method);
    fake.values.set(tenantKey, tenant);
    return handler(fake, { stream: false, message });
  };
  return { ...service, call };
}

const exact = create(SearchRequestSchema, { collection: "c", exact: true });
const indexed = create(SearchRequestSchema, { collection: "c" });

describe("expensive call limit", () => {
  it("refuses a tenant's expensive call past the limit with a retry delay, and frees the slot when one ends", async () => {
    const limit = limited(2);
    const first = limit.call("a", exact);
    const second = limit.call("a", exact);
    const refused = await limit.call("a", exact).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterMs).toBeGreaterThan(0);
    limit.releaseAll();
    await Promise.all([first, second]);
    const third = limit.call("a", exact);
    limit.releaseAll();
    await third;
    expect(limit.served()).toBe(3);
  });

  it("counts each tenant apart, and never limits cheap calls", async () => {
    const limit = limited(1);
    const calls = [limit.call("a", exact), limit.call("b", exact), limit.call("a", indexed)];
    await Promise.resolve();
    expect(limit.served()).toBe(3);
    limit.releaseAll();
    await Promise.all(calls);
  });

  it("judges traversals by depth", async () => {
    const limit = limited(1, neighbors);
    const deep = create(NeighborsRequestSchema, { nodeId: "n", maxDepth: 3 });
    const shallow = create(NeighborsRequestSchema, { nodeId: "n", maxDepth: 2 });
    const running = limit.call("a", deep);
    await expect(limit.call("a", deep)).rejects.toBeInstanceOf(RateLimitedError);
    const cheap = limit.call("a", shallow);
    limit.releaseAll();
    await Promise.all([running, cheap]);
  });

  it("frees the slot of a call that fails", async () => {
    const handler = createExpensiveCallLimitInterceptor({ maxPerTenant: 1 })(
      () => Promise.reject(new Error("engine down")),
      search,
    );
    const fake = new FakeCall(search);
    fake.values.set(tenantKey, "a");
    for (let i = 0; i < 3; i++) {
      await expect(handler(fake, { stream: false, message: exact })).rejects.toThrow("engine down");
    }
  });
});
