import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IdempotencyIndex } from "../../clients/events/idempotency/index.js";

/** An index under test. */
export interface IdempotencyIndexFixture {
  readonly index: IdempotencyIndex;
  /** Releases what the fixture holds. */
  cleanup(): Promise<void>;
}

const minute = 60_000;

/**
 * The one contract of `IdempotencyIndex`, run against every implementation. Scopes are
 * unique per test, so a shared Redis needs no flushing.
 */
export function describeIdempotencyIndexContract(
  label: string,
  open: () => Promise<IdempotencyIndexFixture>,
): void {
  describe(`IdempotencyIndex contract: ${label}`, () => {
    let fixture: IdempotencyIndexFixture | undefined;
    const index = (): IdempotencyIndex => {
      if (!fixture) throw new Error("the fixture did not open");
      return fixture.index;
    };
    const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
    let next = 0;
    const scope = () => `scope-${run}-${++next}`;

    beforeAll(async () => {
      fixture = await open();
    });
    afterAll(async () => {
      await fixture?.cleanup();
    });

    it("gives a fresh id to the first claimant and reports it pending to others", async () => {
      const s = scope();
      expect(await index().claim(s, ["a", "b"], "one", minute)).toEqual([
        { kind: "claimed" },
        { kind: "claimed" },
      ]);
      expect(await index().claim(s, ["b", "c"], "two", minute)).toEqual([
        { kind: "pending" },
        { kind: "claimed" },
      ]);
      expect(await index().claim(s, ["a"], "one", minute)).toEqual([{ kind: "claimed" }]);
    });

    it("answers a recorded id with its position, large offsets included", async () => {
      const s = scope();
      await index().claim(s, ["a", "b"], "one", minute);
      const big = 2n ** 60n + 7n;
      await index().record(
        s,
        [
          { id: "a", position: { partition: 3, offset: big } },
          { id: "b", position: { partition: 0, offset: 0n } },
        ],
        "one",
        minute,
      );
      expect(await index().claim(s, ["b", "a", "c"], "two", minute)).toEqual([
        { kind: "recorded", position: { partition: 0, offset: 0n } },
        { kind: "recorded", position: { partition: 3, offset: big } },
        { kind: "claimed" },
      ]);
    });

    it("lets exactly one of many concurrent claimants have an id", async () => {
      const s = scope();
      const owners = Array.from({ length: 20 }, (_, i) => `owner-${i}`);
      const outcomes = await Promise.all(
        owners.map((owner) => index().claim(s, ["same"], owner, minute)),
      );
      const kinds = outcomes.map(([claim]) => claim?.kind);
      expect(kinds.filter((kind) => kind === "claimed")).toHaveLength(1);
      expect(kinds.filter((kind) => kind === "pending")).toHaveLength(19);
    });

    it("releases only the caller's own claims, never records or others' claims", async () => {
      const s = scope();
      await index().claim(s, ["mine", "theirs"], "one", minute);
      await index().claim(s, ["recorded"], "one", minute);
      await index().record(
        s,
        [{ id: "recorded", position: { partition: 1, offset: 5n } }],
        "one",
        minute,
      );
      await index().release(s, ["mine", "recorded"], "one");
      await index().release(s, ["theirs"], "two");
      expect(await index().claim(s, ["mine", "theirs", "recorded"], "three", minute)).toEqual([
        { kind: "claimed" },
        { kind: "pending" },
        { kind: "recorded", position: { partition: 1, offset: 5n } },
      ]);
    });

    it("frees a claim its owner never finished once the claim's time is up", async () => {
      const s = scope();
      await index().claim(s, ["a"], "crashed", 60);
      expect(await index().claim(s, ["a"], "other", minute)).toEqual([{ kind: "pending" }]);
      await sleep(150);
      expect(await index().claim(s, ["a"], "other", minute)).toEqual([{ kind: "claimed" }]);
    });

    it("does not let a late owner overwrite the position of an id another owner took over", async () => {
      const s = scope();
      await index().claim(s, ["a"], "slow", 60);
      await sleep(150);
      await index().claim(s, ["a"], "fast", minute);
      await index().record(
        s,
        [{ id: "a", position: { partition: 0, offset: 1n } }],
        "fast",
        minute,
      );
      await index().record(
        s,
        [{ id: "a", position: { partition: 0, offset: 2n } }],
        "slow",
        minute,
      );
      expect(await index().claim(s, ["a"], "reader", minute)).toEqual([
        { kind: "recorded", position: { partition: 0, offset: 1n } },
      ]);
    });

    it("forgets a recorded id after its window", async () => {
      const s = scope();
      await index().claim(s, ["a"], "one", minute);
      await index().record(s, [{ id: "a", position: { partition: 0, offset: 0n } }], "one", 60);
      await sleep(150);
      expect(await index().claim(s, ["a"], "two", minute)).toEqual([{ kind: "claimed" }]);
    });

    it("keeps scopes apart, even for the same ids", async () => {
      const [s1, s2] = [scope(), scope()];
      await index().claim(s1, ["a"], "one", minute);
      await index().record(
        s1,
        [{ id: "a", position: { partition: 2, offset: 9n } }],
        "one",
        minute,
      );
      expect(await index().claim(s2, ["a"], "two", minute)).toEqual([{ kind: "claimed" }]);
    });

    it("treats ids as opaque strings", async () => {
      const s = scope();
      const ids = ["}{:", "with space", "ünïcødé", "r:1:2", "c:owner", ""];
      expect(await index().claim(s, ids, "one", minute)).toEqual(
        ids.map(() => ({ kind: "claimed" })),
      );
      expect(await index().claim(s, ids, "two", minute)).toEqual(
        ids.map(() => ({ kind: "pending" })),
      );
    });
  });
}
