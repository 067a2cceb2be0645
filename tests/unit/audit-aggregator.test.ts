import { describe, expect, it } from "vitest";
import { AuditAggregator } from "../../security/audit/aggregator.js";
import type { AuditEvent, AuditLog } from "../../security/audit/port.js";

const event = (requestId: string): AuditEvent => ({
  time: 1,
  type: "permission.denied",
  tenant: "acme",
  principal: "key:abc",
  method: "ragplane.v1.VectorsService/Search",
  peer: "127.0.0.1:1",
  requestId,
  reason: "missing scope vectors:read",
  details: {},
});

describe("AuditAggregator", () => {
  it("records a key's first event at once and one summary of its repeats when the period ends", () => {
    const recorded: AuditEvent[] = [];
    const audit = { record: (e: AuditEvent) => recorded.push(e) } as unknown as AuditLog;
    let now = 1_000;
    const aggregator = new AuditAggregator(audit, 10_000, () => now);
    for (let i = 0; i < 40_000; i++) aggregator.record("k", event(`r${i}`));
    aggregator.record("other", event("o"));
    expect(recorded.map((e) => e.requestId)).toEqual(["r0", "o"]);
    now = 11_000;
    aggregator.flush();
    expect(recorded).toHaveLength(3);
    expect(recorded[2]).toMatchObject({
      type: "permission.denied",
      principal: "key:abc",
      reason: "missing scope vectors:read",
      details: { repeats: "39999", periodMs: "10000" },
    });
    aggregator.record("k", event("next"));
    expect(recorded.at(-1)?.requestId).toBe("next");
    aggregator.close();
  });
});
