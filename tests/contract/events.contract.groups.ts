import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../clients/errors.js";
import type {
  BatchHandler,
  ConsumedBatch,
  ConsumeOptions,
  EventLog,
} from "../../clients/events/port.js";
import type { ContractContext } from "./events.contract.js";
import { event, failureOf } from "./events.support.js";

/** A consumer group member running in the background. */
interface Member {
  /** Batches handed to the handler, in order, failed ones included. */
  readonly batches: ConsumedBatch[];
  /** Stops the member; resolves with what `consume` threw, if anything. */
  stop(): Promise<unknown>;
}

/** Starts a member of `group` with `handler` (which records every batch first). */
export function startMember(
  log: EventLog,
  tenant: string,
  topic: string,
  group: string,
  handler: BatchHandler = async () => {},
  options: ConsumeOptions = { retryMinMs: 20, retryMaxMs: 100 },
): Member {
  const controller = new AbortController();
  const batches: ConsumedBatch[] = [];
  let failure: unknown;
  const done = log
    .consume(
      tenant,
      topic,
      group,
      async (batch, signal) => {
        batches.push(batch);
        await handler(batch, signal);
      },
      options,
      controller.signal,
    )
    .catch((error: unknown) => {
      failure = error;
    });
  return {
    batches,
    async stop() {
      controller.abort();
      await done;
      return failure;
    },
  };
}

/** Waits until `check` holds, polling; fails after `waitMs`. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  waitMs: number,
): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

const sum = (values: readonly bigint[]): bigint => values.reduce((a, b) => a + b, 0n);
const idsOf = (batches: readonly ConsumedBatch[]): string[] =>
  batches.flatMap((batch) => batch.events.map((e) => e.id));

/** The consumer group part of the `EventLog` contract (see `describeEventLogContract`). */
export function describeConsumerGroupContract(context: ContractContext): void {
  const { log, tenant } = context;
  const groupWaitMs = context.waitMs * 4;

  describe("consumer groups", () => {
    it("hands every event over in partition batches and commits each after its handler resolved", async () => {
      const t = tenant();
      await log().createTopic(t, { name: "t", partitions: 2, retentionMs: 0 });
      await log().append(
        t,
        "t",
        Array.from({ length: 12 }, (_, i) => event(`e${i}`)),
      );
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const member = startMember(log(), t, "t", "g", () => gate);
      await waitUntil("a batch is handed over", () => member.batches.length > 0, groupWaitMs);
      await sleep(100);
      expect(sum(await log().committedOffsets(t, "t", "g"))).toBe(0n);
      release();
      const ends = await log().endOffsets(t, "t");
      await waitUntil(
        "the group has committed the ends",
        async () => sum(await log().committedOffsets(t, "t", "g")) === 12n,
        groupWaitMs,
      );
      expect(await member.stop()).toBeUndefined();
      expect(await log().committedOffsets(t, "t", "g")).toEqual(ends);
      expect(new Set(idsOf(member.batches))).toEqual(
        new Set(Array.from({ length: 12 }, (_, i) => `e${i}`)),
      );
      for (const batch of member.batches) {
        expect(batch.events.length).toBeGreaterThan(0);
        expect(batch.events.every((e) => e.partition === batch.partition)).toBe(true);
        const offsets = batch.events.map((e) => e.offset);
        expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      }
    });

    it("delivers a batch again after its handler threw, committing nothing past it until then", async () => {
      const t = tenant();
      await log().createTopic(t, { name: "t", partitions: 1, retentionMs: 0 });
      await log().append(t, "t", [event("a"), event("b"), event("c")]);
      let failures = 0;
      const errors: unknown[] = [];
      const member = startMember(
        log(),
        t,
        "t",
        "g",
        async (batch) => {
          if (batch.events.some((e) => e.id === "b") && failures < 2) {
            failures++;
            throw new Error("not now");
          }
        },
        { retryMinMs: 20, retryMaxMs: 50, onHandlerError: (error) => errors.push(error) },
      );
      await waitUntil(
        "the group has committed the end",
        async () => sum(await log().committedOffsets(t, "t", "g")) === 3n,
        groupWaitMs,
      );
      await member.stop();
      expect(errors).toHaveLength(2);
      const deliveriesOfB = member.batches.filter((batch) =>
        batch.events.some((e) => e.id === "b"),
      );
      expect(deliveriesOfB).toHaveLength(3);
      expect(idsOf(member.batches).filter((id) => id === "c").length).toBeGreaterThanOrEqual(1);
    });

    it("resumes from the committed offsets after the log is reopened", async () => {
      const t = tenant();
      await log().createTopic(t, { name: "t", partitions: 2, retentionMs: 0 });
      await log().append(
        t,
        "t",
        Array.from({ length: 6 }, (_, i) => event(`old${i}`)),
      );
      const first = startMember(log(), t, "t", "g");
      await waitUntil(
        "the first member committed everything",
        async () => sum(await log().committedOffsets(t, "t", "g")) === 6n,
        groupWaitMs,
      );
      await first.stop();
      await context.reopen();
      await log().append(t, "t", [event("new0"), event("new1"), event("new2")]);
      const second = startMember(log(), t, "t", "g");
      await waitUntil(
        "the second member committed the new events",
        async () => sum(await log().committedOffsets(t, "t", "g")) === 9n,
        groupWaitMs,
      );
      await second.stop();
      expect(idsOf(second.batches).sort()).toEqual(["new0", "new1", "new2"]);
    });

    it("keeps tenants' groups apart, even under the same topic and group names", async () => {
      const [a, b] = [tenant(), tenant()];
      await log().createTopic(a, { name: "t", partitions: 1, retentionMs: 0 });
      await log().createTopic(b, { name: "t", partitions: 1, retentionMs: 0 });
      await log().append(a, "t", [event("x"), event("y")]);
      await log().append(b, "t", [event("x")]);
      const member = startMember(log(), a, "t", "g");
      await waitUntil(
        "tenant a's group committed",
        async () => sum(await log().committedOffsets(a, "t", "g")) === 2n,
        groupWaitMs,
      );
      await member.stop();
      expect(idsOf(member.batches)).toEqual(["x", "y"]);
      expect(await log().committedOffsets(b, "t", "g")).toEqual([0n]);
      const other = tenant();
      expect(await failureOf(log().committedOffsets(other, "t", "g"))).toBeInstanceOf(
        NotFoundError,
      );
      const refused = startMember(log(), other, "t", "g");
      expect(await refused.stop()).toBeInstanceOf(NotFoundError);
    });

    it("forgets a group's positions on deleteGroup, so it starts again at the beginning", async () => {
      const t = tenant();
      await log().createTopic(t, { name: "t", partitions: 1, retentionMs: 0 });
      await log().append(t, "t", [event("a"), event("b")]);
      const first = startMember(log(), t, "t", "g");
      await waitUntil(
        "the group committed",
        async () => sum(await log().committedOffsets(t, "t", "g")) === 2n,
        groupWaitMs,
      );
      await first.stop();
      await log().deleteGroup(t, "t", "g");
      await log().deleteGroup(t, "t", "never-used");
      expect(await log().committedOffsets(t, "t", "g")).toEqual([0n]);
      const second = startMember(log(), t, "t", "g");
      await waitUntil("the group read again", () => second.batches.length > 0, groupWaitMs);
      await second.stop();
      expect(idsOf(second.batches)[0]).toBe("a");
    });
  });
}
