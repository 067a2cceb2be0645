import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Sqlite from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { EngineUnavailableError } from "../../clients/errors.js";
import {
  EmbeddedEventLog,
  type EmbeddedEventLogOptions,
  eventsDatabaseFile,
} from "../../clients/events/embedded/log.js";
import { describeEventLogContract } from "./events.contract.js";
import { event, failureOf, ids, subscribe, take } from "./events.support.js";

const tenant = "acme";
const beginning = { start: { kind: "beginning" } } as const;
const cleanups: (() => Promise<void>)[] = [];

/** A log in a fresh temp dir. Polling is off (1 min), so only in-process wake-ups deliver. */
async function openTemp(options: Partial<EmbeddedEventLogOptions> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), "ragplane-events-"));
  const settings = { pollIntervalMs: 60_000, retentionSweepMs: 0, ...options, dataDir };
  let log = await EmbeddedEventLog.open(settings);
  return {
    get log() {
      return log;
    },
    async reopen() {
      await log.close();
      log = await EmbeddedEventLog.open(settings);
      return log;
    },
    async cleanup() {
      await log.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A temp log that is removed after the current test. */
async function openForTest(options: Partial<EmbeddedEventLogOptions> = {}) {
  const fixture = await openTemp(options);
  cleanups.push(() => fixture.cleanup());
  return fixture;
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describeEventLogContract("embedded (SQLite)", () => openTemp());

describe("EmbeddedEventLog", () => {
  it("wakes a caught-up follower within a few milliseconds of an append", async () => {
    const { log } = await openForTest();
    await log.createTopic(tenant, { name: "t", partitions: 4, retentionMs: 0 });
    const subscription = subscribe(log, tenant, "t", beginning);
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      await sleep(2);
      const appended = performance.now();
      await log.append(tenant, "t", [event(`e${i}`)]);
      await subscription.waitFor(i + 1, 1000);
      latencies.push((subscription.arrivals[i] ?? Number.POSITIVE_INFINITY) - appended);
    }
    await subscription.stop();
    expect(Math.max(...latencies)).toBeLessThan(50);
  });

  it("misses no append made while the follower was handing out its last page", async () => {
    const { log } = await openForTest();
    await log.createTopic(tenant, { name: "t", partitions: 1, retentionMs: 0 });
    await log.append(tenant, "t", [event("e0")]);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 3000);
    const received: string[] = [];
    try {
      for await (const stored of log.read(tenant, "t", beginning, controller.signal)) {
        received.push(stored.id);
        if (received.length === 50) break;
        await log.append(tenant, "t", [event(`e${received.length}`)]);
      }
    } finally {
      clearTimeout(timer);
    }
    expect(received).toEqual(Array.from({ length: 50 }, (_, i) => `e${i}`));
  });

  it("pages through a replay while appends keep arriving, without gaps", async () => {
    const { log } = await openForTest({ pageSize: 4 });
    await log.createTopic(tenant, { name: "t", partitions: 1, retentionMs: 0 });
    await log.append(tenant, "t", [event("e0"), event("e1"), event("e2")]);
    const subscription = subscribe(log, tenant, "t", beginning);
    for (let i = 3; i < 300; i += 3) {
      await log.append(tenant, "t", [event(`e${i}`), event(`e${i + 1}`), event(`e${i + 2}`)]);
      if (i % 2 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const received = await subscription.waitFor(300, 5000);
    await subscription.stop();
    expect(received.map((e) => e.offset)).toEqual(Array.from({ length: 300 }, (_, i) => BigInt(i)));
  });

  it("sweeps events older than their topic's retention and keeps offsets going", async () => {
    const { log } = await openForTest();
    await log.createTopic(tenant, { name: "short", partitions: 1, retentionMs: 40 });
    await log.createTopic(tenant, { name: "forever", partitions: 1, retentionMs: 0 });
    await log.append(tenant, "short", [event("a"), event("b")]);
    await log.append(tenant, "forever", [event("a")]);
    await sleep(60);
    const [fresh] = await log.append(tenant, "short", [event("c")]);
    expect(await log.sweepRetention()).toBe(2);
    expect(fresh?.offset).toBe(2n);
    expect(await log.startOffsets(tenant, "short")).toEqual([2n]);
    expect(ids(await take(log, tenant, "short", beginning, 2, 100))).toEqual(["c"]);
    expect(ids(await take(log, tenant, "forever", beginning, 2, 100))).toEqual(["a"]);
    const [again] = await log.append(tenant, "short", [event("d")]);
    expect(again?.offset).toBe(3n);
  });

  it("runs the retention sweep on its interval", async () => {
    const { log } = await openForTest({ retentionSweepMs: 20 });
    await log.createTopic(tenant, { name: "t", partitions: 1, retentionMs: 10 });
    await log.append(tenant, "t", [event("a")]);
    await sleep(150);
    expect(await take(log, tenant, "t", beginning, 1, 50)).toEqual([]);
  });

  it("fails reads, writes and health with EngineUnavailableError once closed", async () => {
    const { log } = await openForTest();
    await log.createTopic(tenant, { name: "t", partitions: 1, retentionMs: 0 });
    expect(await log.health()).toEqual({ ok: true });
    const subscription = subscribe(log, tenant, "t", beginning);
    await sleep(10);
    await log.close();
    expect(await subscription.stop()).toBeInstanceOf(EngineUnavailableError);
    expect(await failureOf(log.append(tenant, "t", [event("a")]))).toBeInstanceOf(
      EngineUnavailableError,
    );
    expect(await log.health()).toEqual({ ok: false, detail: "closed" });
  });

  it("shares an open database handle and leaves it open on close", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "ragplane-events-"));
    const db = new Sqlite(join(dataDir, eventsDatabaseFile));
    try {
      const log = await EmbeddedEventLog.open({ database: db, retentionSweepMs: 0 });
      await log.createTopic(tenant, { name: "t", partitions: 1, retentionMs: 0 });
      await log.close();
      expect(db.open).toBe(true);
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.prepare("SELECT name FROM topics").pluck().all()).toEqual(["t"]);
    } finally {
      db.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
