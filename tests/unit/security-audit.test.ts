import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EngineUnavailableError } from "../../clients/errors.js";
import { EmbeddedEventLog } from "../../clients/events/embedded/log.js";
import type { EventLog, StoredEvent } from "../../clients/events/port.js";
import {
  auditTenant,
  auditTopic,
  LogAuditLog,
  type LogAuditLogOptions,
} from "../../security/audit/log-audit.js";
import type { AuditEvent } from "../../security/audit/port.js";

const logger = pino({ level: "silent" });
const utf8 = new TextDecoder();

let dataDir: string;
let events: EmbeddedEventLog;
const opened: LogAuditLog[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ragplane-audit-"));
  events = await EmbeddedEventLog.open({ dataDir, retentionSweepMs: 0 });
});

afterEach(async () => {
  for (const audit of opened.splice(0)) await audit.close();
  await events.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function openAudit(
  options: Partial<LogAuditLogOptions> = {},
  log: EventLog = events,
): Promise<LogAuditLog> {
  const audit = await LogAuditLog.open({ events: log, logger, ...options });
  opened.push(audit);
  return audit;
}

function auditEvent(extra: Partial<AuditEvent> = {}): AuditEvent {
  return {
    time: Date.now(),
    type: "permission.denied",
    tenant: "acme",
    principal: "key:0123456789abcdef",
    method: "ragplane.v1.VectorsService/Search",
    peer: "127.0.0.1:5000",
    requestId: "req-1",
    reason: "missing scope vectors:read",
    details: {},
    ...extra,
  };
}

async function storedCount(): Promise<bigint> {
  const [end = 0n] = await events.endOffsets(auditTenant, auditTopic);
  return end;
}

async function rawEvents(count: number): Promise<StoredEvent[]> {
  const controller = new AbortController();
  const read: StoredEvent[] = [];
  const start = { start: { kind: "beginning" as const } };
  for await (const stored of events.read(auditTenant, auditTopic, start, controller.signal)) {
    read.push(stored);
    if (read.length === count) break;
  }
  return read;
}

async function until(condition: () => Promise<boolean>, waitMs = 2000): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${waitMs} ms`);
    await sleep(5);
  }
}

/** The embedded log, with its first `failures` calls of `operation` failing as unreachable. */
function failingFirst(operation: "append" | "createTopic", failures: number): EventLog {
  let left = failures;
  return new Proxy(events, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      if (property === operation && left > 0) {
        return () => {
          left--;
          return Promise.reject(new EngineUnavailableError("test"));
        };
      }
      return value.bind(target);
    },
  });
}

describe("LogAuditLog: recording", () => {
  it("creates its topic under the reserved tenant: one partition, kept forever", async () => {
    await openAudit();
    expect(await events.getTopic(auditTenant, auditTopic)).toEqual({
      name: "audit",
      partitions: 1,
      retentionMs: 0,
    });
    await openAudit();
    expect(await storedCount()).toBe(0n);
  });

  it("stores each recorded event once, under a unique id, with every field as recorded", async () => {
    const audit = await openAudit();
    const recorded = [
      auditEvent({ requestId: "a", details: { keyId: "k1", scopes: "admin" } }),
      auditEvent({ requestId: "b", type: "admin.call", reason: "" }),
      auditEvent({ requestId: "c", tenant: "", principal: "" }),
    ];
    for (const event of recorded) audit.record(event);
    await audit.flush();
    const page = await audit.query({ limit: 10 });
    expect(page).toEqual({
      events: recorded.map((event, i) => ({
        ...event,
        position: String(i),
        link: expect.objectContaining({ chain: audit.chainId, seq: i + 1 }),
      })),
    });
    const ids = (await rawEvents(3)).map((stored) => stored.id);
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((id) => /^[0-9a-f-]{36}$/.test(id))).toBe(true);
  });

  it("writes in the background: after flushMs, or at once when batchSize events wait", async () => {
    const slow = await openAudit({ flushMs: 60_000, batchSize: 5 });
    for (let i = 0; i < 4; i++) slow.record(auditEvent());
    await sleep(50);
    expect(await storedCount()).toBe(0n);
    slow.record(auditEvent());
    await until(async () => (await storedCount()) === 5n);

    const timed = await openAudit({ flushMs: 20 });
    timed.record(auditEvent());
    expect(await storedCount()).toBe(5n);
    await until(async () => (await storedCount()) === 6n);
  });

  it("keeps only an event's own fields: a stray property never reaches the trail", async () => {
    const audit = await openAudit();
    const leaky = { ...auditEvent(), token: "secret-token", apiKey: "rp_secret" };
    audit.record(leaky as AuditEvent);
    await audit.flush();
    const [stored] = await rawEvents(1);
    const payload = utf8.decode(stored?.payload);
    expect(payload).not.toContain("secret");
    const [event] = (await audit.query({ limit: 1 })).events;
    expect(Object.keys(event ?? {}).sort()).toEqual(
      [...Object.keys(auditEvent()), "position", "link"].sort(),
    );
  });

  it("retries a failed append and stores the batch once", async () => {
    const audit = await openAudit({ retryDelayMs: 1 }, failingFirst("append", 2));
    audit.record(auditEvent({ requestId: "retried" }));
    await audit.flush();
    expect(audit.dropped).toBe(0);
    expect((await audit.query({ limit: 10 })).events.map((e) => e.requestId)).toEqual(["retried"]);
  });

  it("opens on an event log that cannot be reached yet, creating the topic before its first append", async () => {
    const audit = await openAudit({}, failingFirst("createTopic", 1));
    await expect(events.getTopic(auditTenant, auditTopic)).rejects.toThrow("not found");
    audit.record(auditEvent());
    await audit.flush();
    expect(await storedCount()).toBe(1n);
  });

  it("never throws from record: when the event log is closed, events are dropped and counted", async () => {
    const audit = await openAudit({ attempts: 2, retryDelayMs: 1 });
    await events.close();
    expect(() => audit.record(auditEvent())).not.toThrow();
    expect(() => audit.record(auditEvent())).not.toThrow();
    await audit.flush();
    expect(audit.dropped).toBe(2);
    await expect(audit.query({ limit: 1 })).rejects.toBeInstanceOf(EngineUnavailableError);
  });

  it("writes what is buffered on close, and drops (without throwing) what comes after", async () => {
    const audit = await openAudit({ flushMs: 60_000 });
    audit.record(auditEvent());
    await audit.close();
    expect(await storedCount()).toBe(1n);
    expect(() => audit.record(auditEvent())).not.toThrow();
    expect(audit.dropped).toBe(1);
  });

  it("drops events beyond maxBuffered instead of holding them", async () => {
    const audit = await openAudit({ maxBuffered: 3, flushMs: 60_000 });
    for (let i = 0; i < 5; i++) audit.record(auditEvent());
    expect(audit.dropped).toBe(2);
    await audit.flush();
    expect(await storedCount()).toBe(3n);
  });
});
