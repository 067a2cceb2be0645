import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import {
  CancelledError,
  EngineTimeoutError,
  NotFoundError,
  PreconditionError,
} from "../../clients/errors.js";
import type { AppendAck } from "../../clients/events/port.js";
import type { ContractContext } from "./events.contract.js";
import { event, ids, readFailure, subscribe, take } from "./events.support.js";

const beginning = { kind: "beginning" } as const;

/** The read and follow part of the `EventLog` contract (see `describeEventLogContract`). */
export function describeReadContract(context: ContractContext): void {
  const { log, tenant, waitMs, settleMs } = context;

  const withTopic = async (partitions: number, count: number) => {
    const t = tenant();
    await log().createTopic(t, { name: "t", partitions, retentionMs: 0 });
    const events = Array.from({ length: count }, (_, i) => event(`e${i}`));
    const acks = count === 0 ? [] : await log().append(t, "t", events);
    return { t, acks };
  };

  const byPartition = (events: readonly { partition: number; offset: bigint; id: string }[]) => {
    const groups = new Map<number, [string, bigint][]>();
    for (const e of events)
      groups.set(e.partition, [...(groups.get(e.partition) ?? []), [e.id, e.offset]]);
    return groups;
  };

  describe("read", () => {
    it("replays every partition from the beginning, each in offset order", async () => {
      const { t, acks } = await withTopic(3, 12);
      const read = await take(log(), t, "t", { start: beginning }, 12, waitMs);
      expect(read).toHaveLength(12);
      expect(byPartition(read)).toEqual(byPartition(acks));
    });

    it("starts at an offset in every partition", async () => {
      const { t, acks } = await withTopic(2, 12);
      const expected = acks.filter((ack) => ack.offset >= 2n);
      const read = await take(
        log(),
        t,
        "t",
        { start: { kind: "offset", offset: 2n } },
        expected.length,
        waitMs,
      );
      expect(byPartition(read)).toEqual(byPartition(expected));
    });

    it("starts at the first event appended at or after a time, whatever the events' own time", async () => {
      const t = tenant();
      await log().createTopic(t, { name: "t", partitions: 1, retentionMs: 0 });
      await log().append(t, "t", [event("old1"), event("old2")]);
      await sleep(30);
      const from = new Date();
      await sleep(30);
      await log().append(t, "t", [
        event("new1", { time: new Date("2001-01-01T00:00:00Z") }),
        event("new2"),
      ]);
      const read = await take(log(), t, "t", { start: { kind: "time", time: from } }, 2, waitMs);
      expect(read.map((e) => [e.id, e.offset])).toEqual([
        ["new1", 2n],
        ["new2", 3n],
      ]);
    });

    it("from latest delivers only events appended after the read started", async () => {
      const { t } = await withTopic(2, 4);
      const subscription = subscribe(log(), t, "t", { start: { kind: "latest" } });
      try {
        await sleep(settleMs);
        await log().append(t, "t", [event("new1", { key: "k" }), event("new2", { key: "k" })]);
        expect(ids(await subscription.waitFor(2, waitMs))).toEqual(["new1", "new2"]);
        await sleep(settleMs);
        expect(subscription.received).toHaveLength(2);
      } finally {
        await subscription.stop();
      }
    });

    it("reads a single partition only, in offset order, from any start", async () => {
      const { t, acks } = await withTopic(3, 15);
      const partition = acks[0]?.partition ?? 0;
      const expected = acks.filter((ack) => ack.partition === partition);
      const all = await take(
        log(),
        t,
        "t",
        { start: beginning, partition },
        expected.length,
        waitMs,
      );
      expect(all.map(position)).toEqual(expected.map(position));
      const fromOne = await take(
        log(),
        t,
        "t",
        { start: { kind: "offset", offset: 1n }, partition },
        expected.length - 1,
        waitMs,
      );
      expect(fromOne.map(position)).toEqual(expected.slice(1).map(position));
    });

    it("fails with PreconditionError for a partition the topic does not have", async () => {
      const { t } = await withTopic(2, 1);
      const error = await readFailure(log(), t, "t", { start: beginning, partition: 2 }, waitMs);
      expect(error).toBeInstanceOf(PreconditionError);
    });

    it("fails with NotFoundError for an unknown topic", async () => {
      const error = await readFailure(log(), tenant(), "missing", { start: beginning }, waitMs);
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ kind: "topic", id: "missing" });
    });
  });

  describe("follow", () => {
    it("delivers an event appended after the reader caught up, promptly", async () => {
      const { t } = await withTopic(2, 3);
      const subscription = subscribe(log(), t, "t", { start: beginning });
      try {
        await subscription.waitFor(3, waitMs);
        await sleep(settleMs);
        const appended = performance.now();
        await log().append(t, "t", [event("late")]);
        const received = await subscription.waitFor(4, waitMs);
        expect(received[3]?.id).toBe("late");
        const latency = (subscription.arrivals[3] ?? Number.POSITIVE_INFINITY) - appended;
        expect(latency).toBeLessThan(context.followLatencyMs);
      } finally {
        await subscription.stop();
      }
    });

    it("ends with CancelledError when the signal aborts while waiting", async () => {
      const { t } = await withTopic(1, 1);
      const subscription = subscribe(log(), t, "t", { start: beginning });
      await subscription.waitFor(1, waitMs);
      await sleep(settleMs);
      const stopped = performance.now();
      expect(await subscription.stop()).toBeInstanceOf(CancelledError);
      expect(performance.now() - stopped).toBeLessThan(1000);
    });

    it("ends with EngineTimeoutError when the signal aborts for a deadline", async () => {
      const { t } = await withTopic(1, 0);
      for (const reason of [
        new EngineTimeoutError("request"),
        new DOMException("deadline", "TimeoutError"),
      ]) {
        const subscription = subscribe(log(), t, "t", { start: beginning });
        await sleep(settleMs);
        expect(await subscription.stop(reason)).toBeInstanceOf(EngineTimeoutError);
      }
    });
  });
}

function position(e: AppendAck | { id: string; partition: number; offset: bigint }) {
  return [e.id, e.partition, e.offset];
}
