import { describe, expect, it } from "vitest";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { principalKey, requestIdKey } from "../../interceptors/values.js";
import { auditEventFor } from "../../security/audit/recorder.js";
import { FakeCall } from "../support/fake-call.js";

describe("auditEventFor", () => {
  it("takes method, peer, request id, principal and tenant from the call", () => {
    const call = new FakeCall(VectorsService.method.search);
    call.values.set(requestIdKey, "req-7");
    call.values.set(principalKey, {
      subject: "key:0123456789abcdef",
      tenant: "acme",
      scopes: new Set(["vectors:read" as const]),
      method: "api-key",
    });
    const before = Date.now();
    const event = auditEventFor(call, "rate_limit.exceeded", "read per tenant", { limit: "5" });
    expect(event).toEqual({
      time: expect.any(Number),
      type: "rate_limit.exceeded",
      tenant: "acme",
      principal: "key:0123456789abcdef",
      method: "ragplane.v1.VectorsService/Search",
      peer: "127.0.0.1:1",
      requestId: "req-7",
      reason: "read per tenant",
      details: { limit: "5" },
    });
    expect(event.time).toBeGreaterThanOrEqual(before);
    expect(event.time).toBeLessThanOrEqual(Date.now());
  });

  it("leaves principal and tenant empty before authentication, and details empty by default", () => {
    const call = new FakeCall(VectorsService.method.search);
    const event = auditEventFor(call, "authentication.failed", "no credentials");
    expect(event).toMatchObject({ tenant: "", principal: "", details: {} });
    expect(event.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
