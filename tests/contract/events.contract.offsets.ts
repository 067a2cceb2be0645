import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../clients/errors.js";
import type { AppendAck } from "../../clients/events/port.js";
import type { ContractContext } from "./events.contract.js";
import { event, failureOf } from "./events.support.js";

/** The `endOffsets` part of the `EventLog` contract (see `describeEventLogContract`). */
export function describeEndOffsetsContract(context: ContractContext): void {
  const { log, tenant } = context;

  const countsOf = (acks: readonly AppendAck[], partitions: number): bigint[] => {
    const counts = Array.from({ length: partitions }, () => 0n);
    for (const ack of acks) {
      if (!ack.duplicate) counts[ack.partition] = (counts[ack.partition] ?? 0n) + 1n;
    }
    return counts;
  };

  describe("endOffsets", () => {
    it("answers 0 for every partition of an empty topic", async () => {
      const t = tenant();
      await log().createTopic(t, { name: "t", partitions: 3, retentionMs: 0 });
      expect(await log().endOffsets(t, "t")).toEqual([0n, 0n, 0n]);
    });

    it("answers each partition's count of stored events, duplicates not counted", async () => {
      const t = tenant();
      await log().createTopic(t, { name: "t", partitions: 3, retentionMs: 0 });
      const first = await log().append(
        t,
        "t",
        Array.from({ length: 10 }, (_, i) => event(`e${i}`)),
      );
      const second = await log().append(t, "t", [event("e0"), event("e10")]);
      expect(second[0]?.duplicate).toBe(true);
      const ends = await log().endOffsets(t, "t");
      expect(ends).toEqual(countsOf([...first, ...second], 3));
      expect(ends.reduce((sum, end) => sum + end, 0n)).toBe(11n);
    });

    it("answers 0 as every partition's first retained offset until retention removes events", async () => {
      const t = tenant();
      await log().createTopic(t, { name: "t", partitions: 3, retentionMs: 0 });
      expect(await log().startOffsets(t, "t")).toEqual([0n, 0n, 0n]);
      await log().append(
        t,
        "t",
        Array.from({ length: 6 }, (_, i) => event(`e${i}`)),
      );
      expect(await log().startOffsets(t, "t")).toEqual([0n, 0n, 0n]);
      expect(await failureOf(log().startOffsets(tenant(), "missing"))).toBeInstanceOf(
        NotFoundError,
      );
    });

    it("reports an unknown topic with NotFoundError", async () => {
      const error = await failureOf(log().endOffsets(tenant(), "missing"));
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ kind: "topic", id: "missing" });
    });

    it("answers for the calling tenant's topic only", async () => {
      const [a, b, c] = [tenant(), tenant(), tenant()];
      await log().createTopic(a, { name: "shared", partitions: 1, retentionMs: 0 });
      await log().createTopic(b, { name: "shared", partitions: 2, retentionMs: 0 });
      await log().append(a, "shared", [event("x"), event("y"), event("z")]);
      expect(await log().endOffsets(a, "shared")).toEqual([3n]);
      expect(await log().endOffsets(b, "shared")).toEqual([0n, 0n]);
      expect(await failureOf(log().endOffsets(c, "shared"))).toBeInstanceOf(NotFoundError);
    });
  });
}
