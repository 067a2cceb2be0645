import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { AuditEvent, AuditLog } from "../../security/audit/port.js";
import type { RetentionRecorder } from "../../server/retention/recorder.js";
import type {
  Removed,
  RetentionSource,
  RetentionTarget,
  RetentionTargetKind,
} from "../../server/retention/sources.js";
import { RetentionSweeper } from "../../server/retention/sweeper.js";

const logger = pino({ level: "silent" });
const now = 1_000_000;

/** Items with write times per target, shared by every sweeper that uses it, like an engine. */
class FakeStore {
  readonly items = new Map<string, Map<string, number>>();
  readonly calls: { target: string; beforeMs: number; limit: number }[] = [];
  failNext = 0;

  add(target: string, count: number, writtenAt: number, prefix = "i"): void {
    const items = this.items.get(target) ?? new Map<string, number>();
    for (let i = 0; i < count; i++) items.set(`${prefix}${i}`, writtenAt);
    this.items.set(target, items);
  }

  left(target: string): number {
    return this.items.get(target)?.size ?? 0;
  }

  async deleteBefore(target: string, beforeMs: number, limit: number): Promise<number> {
    this.calls.push({ target, beforeMs, limit });
    await sleep(0);
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error("engine unavailable");
    }
    const items = this.items.get(target) ?? new Map<string, number>();
    const expired = [...items].filter(([, at]) => at < beforeMs).slice(0, limit);
    for (const [id] of expired) items.delete(id);
    return expired.length;
  }
}

function source(
  store: FakeStore,
  kind: RetentionTargetKind,
  targets: RetentionTarget[],
  options: { listFails?: boolean } = {},
): RetentionSource {
  return {
    kind,
    async targets() {
      if (options.listFails) throw new Error("cannot list");
      return targets;
    },
    async deleteBatch(target, beforeMs, limit): Promise<Removed> {
      const items = await store.deleteBefore(`${target.tenant}/${target.name}`, beforeMs, limit);
      return { items, relationships: kind === "label" ? items * 2 : 0 };
    },
  };
}

function recorder() {
  const log = {
    removed: new Map<string, number>(),
    failed: [] as string[],
    swept: 0,
  };
  const impl: RetentionRecorder = {
    removed(kind, count) {
      log.removed.set(kind, (log.removed.get(kind) ?? 0) + count);
    },
    swept() {
      log.swept += 1;
    },
    failed(kind) {
      log.failed.push(kind);
    },
  };
  return { log, impl };
}

function auditLog(): { events: AuditEvent[]; audit: AuditLog } {
  const events: AuditEvent[] = [];
  return {
    events,
    audit: {
      record: (event) => {
        events.push(event);
      },
      query: () => Promise.reject(new Error("not used")),
      close: () => Promise.resolve(),
    },
  };
}

const docs: RetentionTarget = {
  kind: "collection",
  tenant: "acme",
  name: "docs",
  maxAgeMs: 60_000,
};

describe("RetentionSweeper", () => {
  it("deletes what was written before now minus the maximum age, in batches of batchSize", async () => {
    const store = new FakeStore();
    store.add("acme/docs", 1_234, now - 61_000);
    store.add("acme/docs", 7, now - 59_000, "new");
    const sweeper = new RetentionSweeper({
      sources: [source(store, "collection", [docs])],
      logger,
      intervalMs: 1_000,
      batchSize: 500,
      now: () => now,
    });
    expect(await sweeper.sweep()).toEqual({ removed: 1_234, failures: 0 });
    expect(store.calls.map((call) => call.limit)).toEqual([500, 500, 500]);
    expect(new Set(store.calls.map((call) => call.beforeMs))).toEqual(new Set([now - 60_000]));
    expect(store.left("acme/docs")).toBe(7);
  });

  it("stops a target after maxBatches and takes up the rest at the next sweep", async () => {
    const store = new FakeStore();
    store.add("acme/docs", 50, 0);
    const sweeper = new RetentionSweeper({
      sources: [source(store, "collection", [docs])],
      logger,
      intervalMs: 1_000,
      batchSize: 10,
      maxBatches: 2,
      now: () => now,
    });
    expect((await sweeper.sweep()).removed).toBe(20);
    expect(store.left("acme/docs")).toBe(30);
    expect((await sweeper.sweep()).removed).toBe(20);
    expect((await sweeper.sweep()).removed).toBe(10);
    expect(store.left("acme/docs")).toBe(0);
  });

  it("counts a failure, goes on with the other targets, and retries the failed one next time", async () => {
    const store = new FakeStore();
    store.add("acme/docs", 5, 0);
    store.add("acme/notes", 3, 0);
    const notes: RetentionTarget = { ...docs, name: "notes" };
    const { log, impl } = recorder();
    const sweeper = new RetentionSweeper({
      sources: [source(store, "collection", [docs, notes])],
      logger,
      recorder: impl,
      intervalMs: 1_000,
      now: () => now,
    });
    store.failNext = 1;
    expect(await sweeper.sweep()).toEqual({ removed: 3, failures: 1 });
    expect(log.failed).toEqual(["collection"]);
    expect(store.left("acme/docs")).toBe(5);
    expect(await sweeper.sweep()).toEqual({ removed: 5, failures: 0 });
    expect(store.left("acme/docs")).toBe(0);
    expect(log.removed.get("points")).toBe(8);
    expect(log.swept).toBe(2);
  });

  it("sweeps the other sources when one cannot list its targets", async () => {
    const store = new FakeStore();
    store.add("acme/Session", 4, 0);
    const session: RetentionTarget = {
      kind: "label",
      tenant: "acme",
      name: "Session",
      maxAgeMs: 1_000,
    };
    const { log, impl } = recorder();
    const sweeper = new RetentionSweeper({
      sources: [
        source(store, "collection", [docs], { listFails: true }),
        source(store, "label", [session]),
      ],
      logger,
      recorder: impl,
      intervalMs: 1_000,
      now: () => now,
    });
    expect(await sweeper.sweep()).toEqual({ removed: 4, failures: 1 });
    expect(log.failed).toEqual(["collection"]);
    expect(log.removed.get("nodes")).toBe(4);
    expect(log.removed.get("relationships")).toBe(8);
  });

  it("lets several replicas sweep the same engine at once: everything expired goes, nothing newer", async () => {
    const store = new FakeStore();
    store.add("acme/docs", 2_000, 0);
    store.add("acme/docs", 100, now, "new");
    const replicas = [1, 2, 3].map(
      () =>
        new RetentionSweeper({
          sources: [source(store, "collection", [docs])],
          logger,
          intervalMs: 1_000,
          batchSize: 64,
          now: () => now,
        }),
    );
    const reports = await Promise.all(replicas.map((replica) => replica.sweep()));
    expect(reports.every((report) => report.failures === 0)).toBe(true);
    expect(reports.reduce((sum, report) => sum + report.removed, 0)).toBe(2_000);
    expect(store.left("acme/docs")).toBe(100);
  });

  it("records a sweep that removed something in the audit trail, with counts and no ids", async () => {
    const store = new FakeStore();
    store.add("acme/docs", 3, 0);
    store.add("acme/Session", 2, 0);
    const session: RetentionTarget = {
      kind: "label",
      tenant: "acme",
      name: "Session",
      maxAgeMs: 5_000,
    };
    const empty: RetentionTarget = { ...docs, name: "empty" };
    const { events, audit } = auditLog();
    const sweeper = new RetentionSweeper({
      sources: [source(store, "collection", [docs, empty]), source(store, "label", [session])],
      logger,
      audit,
      intervalMs: 1_000,
      now: () => now,
    });
    await sweeper.sweep();
    expect(events).toEqual([
      expect.objectContaining({
        type: "data.delete",
        tenant: "acme",
        principal: "",
        reason: "retention",
        details: { collection: "docs", points: "3", maxAgeMs: "60000" },
      }),
      expect.objectContaining({
        type: "data.delete",
        tenant: "acme",
        reason: "retention",
        details: { label: "Session", nodes: "2", relationships: "4", maxAgeMs: "5000" },
      }),
    ]);
  });

  it("sweeps every interval once started, and not after stop", async () => {
    const store = new FakeStore();
    const { log, impl } = recorder();
    const sweeper = new RetentionSweeper({
      sources: [source(store, "collection", [docs])],
      logger,
      recorder: impl,
      intervalMs: 20,
    });
    sweeper.start();
    await sleep(150);
    await sweeper.stop();
    const sweeps = log.swept;
    expect(sweeps).toBeGreaterThanOrEqual(2);
    await sleep(60);
    expect(log.swept).toBe(sweeps);
  });

  it("refuses a batch size that is not a positive integer", () => {
    expect(
      () => new RetentionSweeper({ sources: [], logger, intervalMs: 1_000, batchSize: 0 }),
    ).toThrow(RangeError);
  });
});
