import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { EmbeddedEventLog } from "../../clients/events/embedded/log.js";
import { InvalidAuditPositionError } from "../../security/audit/errors.js";
import { LogAuditLog } from "../../security/audit/log-audit.js";
import type { AuditEvent, AuditQuery } from "../../security/audit/port.js";
import { openTemporaryLog, type TemporaryLog } from "../support/temporary-log.js";

const logger = pino({ level: "silent" });
const minute = 60_000;
const hour = 60 * minute;

let log: TemporaryLog;
let events: EmbeddedEventLog;
let audit: LogAuditLog;

beforeEach(async () => {
  log = await openTemporaryLog("ragplane-audit-");
  events = log.events;
  audit = await LogAuditLog.open({ events, logger });
});

afterEach(async () => {
  await audit.close();
  await log.remove();
});

async function recordAll(
  count: number,
  make: (i: number) => Partial<AuditEvent>,
  into: LogAuditLog = audit,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    into.record({
      time: Date.now(),
      type: "authentication.failed",
      tenant: "acme",
      principal: "",
      method: "ragplane.v1.VectorsService/Search",
      peer: "10.0.0.1:4000",
      requestId: `r${i}`,
      reason: "no credentials",
      details: {},
      ...make(i),
    });
  }
  await into.flush();
}

async function requestIds(query: AuditQuery, from: LogAuditLog = audit): Promise<string[]> {
  return (await from.query(query)).events.map((event) => event.requestId);
}

describe("LogAuditLog: query", () => {
  it("answers an empty trail with no events and no next", async () => {
    expect(await audit.query({ limit: 10 })).toEqual({ events: [] });
    expect(await audit.query({ limit: 10, since: 0 })).toEqual({ events: [] });
  });

  it("filters by tenant and by types", async () => {
    await recordAll(6, (i) => ({
      tenant: i % 2 === 0 ? "acme" : "globex",
      type: i < 3 ? "authentication.failed" : "rate_limit.exceeded",
    }));
    expect(await requestIds({ limit: 10, tenant: "acme" })).toEqual(["r0", "r2", "r4"]);
    expect(await requestIds({ limit: 10, types: ["rate_limit.exceeded"] })).toEqual([
      "r3",
      "r4",
      "r5",
    ]);
    expect(
      await requestIds({ limit: 10, tenant: "globex", types: ["authentication.failed"] }),
    ).toEqual(["r1"]);
    expect(await requestIds({ limit: 10, types: [] })).toHaveLength(6);
  });

  it("pages with next until the trail is exhausted", async () => {
    await recordAll(7, () => ({}));
    const first = await audit.query({ limit: 3 });
    expect(first.events.map((e) => [e.requestId, e.position])).toEqual([
      ["r0", "0"],
      ["r1", "1"],
      ["r2", "2"],
    ]);
    expect(first.next).toBe("2");
    const second = await audit.query({ limit: 3, after: "2" });
    expect(second.events.map((e) => e.requestId)).toEqual(["r3", "r4", "r5"]);
    expect(second.next).toBe("5");
    const last = await audit.query({ limit: 3, after: "5" });
    expect(last).toEqual({ events: [expect.objectContaining({ requestId: "r6" })] });
    expect(await audit.query({ limit: 3, after: "6" })).toEqual({ events: [] });
  });

  it("selects by the events' own time: since inclusive, until exclusive", async () => {
    const base = Date.now();
    await recordAll(10, (i) => ({ time: base + i }));
    const window = { since: base + 3, until: base + 7 };
    expect(await requestIds({ limit: 10, ...window })).toEqual(["r3", "r4", "r5", "r6"]);
    expect(await requestIds({ limit: 10, since: base + 8 })).toEqual(["r8", "r9"]);
    expect(await requestIds({ limit: 10, until: base + 2 })).toEqual(["r0", "r1"]);
    const paged = await audit.query({ limit: 2, ...window });
    expect(paged.next).toBe("4");
    expect(await requestIds({ limit: 10, ...window, after: "4" })).toEqual(["r5", "r6"]);
  });

  it("starts reading at since and stops at until, by append time, not scanning the rest", async () => {
    const capped = await LogAuditLog.open({ events, logger, maxScan: 4 });
    const now = Date.now();
    for (const hoursAgo of [3, 2, 1]) {
      vi.useFakeTimers({ toFake: ["Date"], now: now - hoursAgo * hour });
      await recordAll(3, (i) => ({ requestId: `${hoursAgo}h-${i}`, time: Date.now() }), capped);
      vi.useRealTimers();
    }
    const middle = { since: now - 2 * hour, until: now - 2 * hour + minute };
    expect(await capped.query({ limit: 10, ...middle })).toEqual({
      events: ["2h-0", "2h-1", "2h-2"].map((requestId, i) =>
        expect.objectContaining({ requestId, position: String(i + 3) }),
      ),
    });
    expect(await requestIds({ limit: 10, until: now - 3 * hour + minute }, capped)).toEqual([
      "3h-0",
      "3h-1",
      "3h-2",
    ]);
    await capped.close();
  });

  it("answers at once, and empty, when since lies after everything stored", async () => {
    await recordAll(3, () => ({}));
    const started = Date.now();
    expect(await audit.query({ limit: 10, since: Date.now() + 10 * minute })).toEqual({
      events: [],
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("stops after maxScan records and returns next, so the caller continues", async () => {
    const capped = await LogAuditLog.open({ events, logger, maxScan: 10 });
    await recordAll(25, (i) => ({ type: i === 22 ? "token.revoked" : "admin.call" }), capped);
    const query = { limit: 10, types: ["token.revoked" as const] };
    expect(await capped.query(query)).toEqual({ events: [], next: "9" });
    expect(await capped.query({ ...query, after: "9" })).toEqual({ events: [], next: "19" });
    const last = await capped.query({ ...query, after: "19" });
    expect(last.events.map((e) => [e.requestId, e.position])).toEqual([["r22", "22"]]);
    expect(last.next).toBeUndefined();
    await capped.close();
  });

  it("refuses a position it never gave out, and a page size out of range", async () => {
    await expect(audit.query({ limit: 1, after: "abc" })).rejects.toBeInstanceOf(
      InvalidAuditPositionError,
    );
    await expect(audit.query({ limit: 1, after: "-1" })).rejects.toBeInstanceOf(
      InvalidAuditPositionError,
    );
    await expect(audit.query({ limit: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(audit.query({ limit: 1001 })).rejects.toBeInstanceOf(RangeError);
  });
});
