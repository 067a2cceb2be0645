import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlreadyExistsError, NotFoundError } from "../../clients/errors.js";
import { partitionForKey } from "../../clients/events/partitioner.js";
import type { EventLog } from "../../clients/events/port.js";
import { describeConsumerGroupContract } from "./events.contract.groups.js";
import { describeEndOffsetsContract } from "./events.contract.offsets.js";
import { describeReadContract } from "./events.contract.read.js";
import {
  event,
  failureOf,
  ids,
  readFailure,
  readUntil,
  take,
  tenantFactory,
} from "./events.support.js";

/** An adapter under test, opened on fresh storage. */
export interface EventLogFixture {
  /** The open log. */
  readonly log: EventLog;
  /** Closes the current log and opens a new one on the same storage (a restart). */
  reopen(): Promise<EventLog>;
  /** Closes the current log and deletes its storage. */
  cleanup(): Promise<void>;
}

/** Timing allowances for engines that make appends visible asynchronously. */
export interface EventLogContractOptions {
  /** Longest wait for events a test expects to read. Default 5000 ms. */
  readonly waitMs?: number;
  /** Pause after a read starts before appends it must see (a consumer joining). Default 50 ms. */
  readonly settleMs?: number;
  /** Longest delay from append to delivery for a caught-up reader. Default 1000 ms. */
  readonly followLatencyMs?: number;
}

/** What every test of the suite gets. */
export interface ContractContext {
  /** The current log (replaced by a restart). */
  log(): EventLog;
  /** Restarts the log on the same storage; `log()` then returns the new one. */
  reopen(): Promise<EventLog>;
  /** A tenant no other test uses. */
  tenant(): string;
  readonly waitMs: number;
  readonly settleMs: number;
  readonly followLatencyMs: number;
}

/**
 * The one contract of the `EventLog` port. Every adapter runs it; it asserts only what
 * the port promises, and waits (bounded) for appends to become readable.
 */
export function describeEventLogContract(
  label: string,
  open: () => Promise<EventLogFixture>,
  options: EventLogContractOptions = {},
): void {
  describe(`EventLog contract: ${label}`, () => {
    let fixture: EventLogFixture | undefined;
    let current: EventLog | undefined;
    const context: ContractContext = {
      log: () => {
        if (!current) throw new Error("the fixture did not open");
        return current;
      },
      reopen: async () => {
        if (!fixture) throw new Error("the fixture did not open");
        current = await fixture.reopen();
        return current;
      },
      tenant: tenantFactory("contract"),
      waitMs: options.waitMs ?? 5000,
      settleMs: options.settleMs ?? 50,
      followLatencyMs: options.followLatencyMs ?? 1000,
    };
    const { log, tenant, waitMs } = context;

    beforeAll(async () => {
      fixture = await open();
      current = fixture.log;
    });
    afterAll(async () => {
      await fixture?.cleanup();
    });

    describe("topics", () => {
      it("creates a topic that getTopic then returns", async () => {
        const t = tenant();
        const spec = { name: "orders", partitions: 3, retentionMs: 60_000 };
        expect(await log().createTopic(t, spec)).toEqual(spec);
        expect(await log().getTopic(t, "orders")).toEqual(spec);
      });

      it("refuses a second topic of the same name with AlreadyExistsError, keeping the first", async () => {
        const t = tenant();
        await log().createTopic(t, { name: "orders", partitions: 3, retentionMs: 0 });
        const error = await failureOf(
          log().createTopic(t, { name: "orders", partitions: 1, retentionMs: 5 }),
        );
        expect(error).toBeInstanceOf(AlreadyExistsError);
        expect(error).toMatchObject({ kind: "topic", id: "orders" });
        expect(await log().getTopic(t, "orders")).toEqual({
          name: "orders",
          partitions: 3,
          retentionMs: 0,
        });
      });

      it("changes a topic's retention, to a time and back to forever", async () => {
        const t = tenant();
        await log().createTopic(t, { name: "orders", partitions: 2, retentionMs: 0 });
        const changed = await log().setTopicRetention(t, "orders", 3_600_000);
        expect(changed).toEqual({ name: "orders", partitions: 2, retentionMs: 3_600_000 });
        expect(await log().getTopic(t, "orders")).toEqual(changed);
        await log().setTopicRetention(t, "orders", 0);
        expect((await log().getTopic(t, "orders")).retentionMs).toBe(0);
        const error = await failureOf(log().setTopicRetention(t, "missing", 1_000));
        expect(error).toBeInstanceOf(NotFoundError);
      });

      it("reports an unknown topic with NotFoundError", async () => {
        const error = await failureOf(log().getTopic(tenant(), "missing"));
        expect(error).toBeInstanceOf(NotFoundError);
        expect(error).toMatchObject({ kind: "topic", id: "missing" });
      });

      it("lists topics in name order, a page at a time", async () => {
        const t = tenant();
        for (const name of ["d", "b", "e", "a", "c"]) {
          await log().createTopic(t, { name, partitions: 1, retentionMs: 0 });
        }
        const first = await log().listTopics(t, { limit: 2 });
        expect(first.topics.map((x) => x.name)).toEqual(["a", "b"]);
        expect(first.nextAfter).toBe("b");
        const second = await log().listTopics(t, { limit: 2, after: "b" });
        expect(second.topics.map((x) => x.name)).toEqual(["c", "d"]);
        expect(second.nextAfter).toBe("d");
        const last = await log().listTopics(t, { limit: 2, after: "d" });
        expect(last.topics).toEqual([{ name: "e", partitions: 1, retentionMs: 0 }]);
        expect(last.nextAfter).toBeUndefined();
        const all = await log().listTopics(t, { limit: 5 });
        expect(all.topics).toHaveLength(5);
        expect(all.nextAfter).toBeUndefined();
      });

      it("lists nothing for a tenant without topics", async () => {
        expect(await log().listTopics(tenant(), { limit: 10 })).toEqual({ topics: [] });
      });
    });

    describe("append", () => {
      it("acks in request order, partitioned by murmur2 of the id, offsets from 0 per partition", async () => {
        const t = tenant();
        await log().createTopic(t, { name: "t", partitions: 3, retentionMs: 0 });
        const batch = Array.from({ length: 12 }, (_, i) => event(`e${i}`));
        const acks = await log().append(t, "t", batch);
        expect(ids(acks)).toEqual(ids(batch));
        const nextOffset = [0n, 0n, 0n];
        for (const ack of acks) {
          expect(ack.partition).toBe(partitionForKey(ack.id, 3));
          expect(ack.offset).toBe(nextOffset[ack.partition]);
          expect(ack.duplicate).toBe(false);
          nextOffset[ack.partition] = ack.offset + 1n;
        }
        const more = await log().append(t, "t", [event("e12")]);
        expect(more[0]?.offset).toBe(nextOffset[partitionForKey("e12", 3)]);
      });

      it("puts events with the same key in one partition, in publish order", async () => {
        const t = tenant();
        await log().createTopic(t, { name: "t", partitions: 4, retentionMs: 0 });
        const batch = Array.from({ length: 10 }, (_, i) =>
          event(`e${i}`, { key: i % 2 === 0 ? "doc-1" : `other-${i}` }),
        );
        const acks = await log().append(t, "t", batch);
        const partition = partitionForKey("doc-1", 4);
        const sameKey = acks.filter((_, i) => i % 2 === 0);
        expect(sameKey.every((ack) => ack.partition === partition)).toBe(true);
        const expected = acks.filter((ack) => ack.partition === partition);
        const read = await take(
          log(),
          t,
          "t",
          { start: { kind: "beginning" }, partition },
          expected.length,
          waitMs,
        );
        expect(read.map((e) => [e.id, e.offset])).toEqual(expected.map((a) => [a.id, a.offset]));
        expect(read.filter((e) => e.key === "doc-1").map((e) => e.id)).toEqual([
          "e0",
          "e2",
          "e4",
          "e6",
          "e8",
        ]);
      });

      it("acks an id already in the topic as a duplicate of the original and stores it once", async () => {
        const t = tenant();
        await log().createTopic(t, { name: "t", partitions: 1, retentionMs: 0 });
        await log().append(t, "t", [event("a"), event("b")]);
        const acks = await log().append(t, "t", [
          event("c"),
          event("a", { key: "another-key", payload: new Uint8Array([9]) }),
          event("d"),
        ]);
        expect(acks).toEqual([
          { id: "c", partition: 0, offset: 2n, duplicate: false },
          { id: "a", partition: 0, offset: 0n, duplicate: true },
          { id: "d", partition: 0, offset: 3n, duplicate: false },
        ]);
        const read = await readUntil(log(), t, "t", "d", waitMs);
        expect(ids(read)).toEqual(["a", "b", "c", "d"]);
        expect(read[0]?.payload).toEqual(event("a").payload);
      });

      it("stores a batch whole or not at all", async () => {
        const t = tenant();
        await log().createTopic(t, { name: "t", partitions: 1, retentionMs: 0 });
        await log().append(t, "t", [event("x")]);
        const error = await failureOf(log().append(t, "t", [event("y1"), event("y2"), event("")]));
        expect(error).toBeInstanceOf(RangeError);
        const acks = await log().append(t, "t", [event("y1"), event("end")]);
        expect(acks.map((a) => [a.id, a.offset, a.duplicate])).toEqual([
          ["y1", 1n, false],
          ["end", 2n, false],
        ]);
        expect(ids(await readUntil(log(), t, "t", "end", waitMs))).toEqual(["x", "y1", "end"]);
      });

      it("reports an unknown topic with NotFoundError", async () => {
        const error = await failureOf(log().append(tenant(), "missing", [event("a")]));
        expect(error).toMatchObject({ kind: "topic", id: "missing" });
        expect(error).toBeInstanceOf(NotFoundError);
      });

      it("returns every field as published, and the defaults when left out", async () => {
        const t = tenant();
        await log().createTopic(t, { name: "t", partitions: 2, retentionMs: 0 });
        const time = new Date("2024-05-06T07:08:09.123Z");
        const full = event("full", {
          key: "k",
          payload: new Uint8Array([0, 1, 254, 255]),
          contentType: "application/octet-stream",
          headers: { source: "crawler", "trace-id": "abc" },
          subject: "doc-7",
          time,
        });
        const before = Date.now();
        const [fullAck, bareAck] = await log().append(t, "t", [full, event("bare")]);
        const after = Date.now();
        const read = await take(log(), t, "t", { start: { kind: "beginning" } }, 2, waitMs);
        expect(read.find((e) => e.id === "full")).toEqual({
          id: "full",
          key: "k",
          payload: new Uint8Array([0, 1, 254, 255]),
          contentType: "application/octet-stream",
          headers: { source: "crawler", "trace-id": "abc" },
          subject: "doc-7",
          time,
          partition: fullAck?.partition,
          offset: fullAck?.offset,
        });
        const bare = read.find((e) => e.id === "bare");
        expect(bare).toMatchObject({ key: "bare", contentType: "", headers: {}, subject: "" });
        expect(bare?.partition).toBe(bareAck?.partition);
        expect(bare?.time.getTime()).toBeGreaterThanOrEqual(before - 1000);
        expect(bare?.time.getTime()).toBeLessThanOrEqual(after + 1000);
      });
    });

    describeReadContract(context);
    describeEndOffsetsContract(context);
    describeConsumerGroupContract(context);

    describe("tenancy", () => {
      it("keeps tenants' topics and events apart, even under the same names and ids", async () => {
        const [a, b] = [tenant(), tenant()];
        await log().createTopic(a, { name: "shared", partitions: 1, retentionMs: 0 });
        await log().createTopic(a, { name: "only-a", partitions: 1, retentionMs: 0 });
        await log().createTopic(b, { name: "shared", partitions: 2, retentionMs: 0 });
        await log().append(a, "shared", [event("same-id", { key: "k", subject: "from a" })]);
        const [ack] = await log().append(b, "shared", [
          event("same-id", { key: "k", subject: "from b" }),
        ]);
        expect(ack).toMatchObject({ offset: 0n, duplicate: false });
        await log().append(b, "shared", [event("end", { key: "k" })]);

        expect((await log().listTopics(b, { limit: 10 })).topics.map((x) => x.name)).toEqual([
          "shared",
        ]);
        expect((await log().getTopic(b, "shared")).partitions).toBe(2);
        expect(await failureOf(log().getTopic(b, "only-a"))).toBeInstanceOf(NotFoundError);
        expect(await failureOf(log().append(b, "only-a", [event("x")]))).toBeInstanceOf(
          NotFoundError,
        );
        const readOther = readFailure(log(), b, "only-a", { start: { kind: "beginning" } }, waitMs);
        expect(await readOther).toBeInstanceOf(NotFoundError);
        const read = await readUntil(log(), b, "shared", "end", waitMs);
        expect(read.map((e) => [e.id, e.subject])).toEqual([
          ["same-id", "from b"],
          ["end", ""],
        ]);
      });
    });

    describe("durability", () => {
      it("keeps topics, events, offsets and duplicate detection across a restart", async () => {
        const t = tenant();
        await log().createTopic(t, { name: "t", partitions: 1, retentionMs: 0 });
        await log().append(t, "t", [event("a"), event("b")]);
        if (!fixture) throw new Error("the fixture did not open");
        current = await fixture.reopen();
        await sleep(context.settleMs);

        expect(await log().getTopic(t, "t")).toEqual({ name: "t", partitions: 1, retentionMs: 0 });
        const acks = await log().append(t, "t", [event("b"), event("c")]);
        expect(acks).toEqual([
          { id: "b", partition: 0, offset: 1n, duplicate: true },
          { id: "c", partition: 0, offset: 2n, duplicate: false },
        ]);
        const read = await readUntil(log(), t, "t", "c", waitMs);
        expect(read.map((e) => [e.id, e.offset])).toEqual([
          ["a", 0n],
          ["b", 1n],
          ["c", 2n],
        ]);
      });
    });
  });
}
