import { describe, expect, it } from "vitest";
import { CancelledError } from "../../clients/errors.js";
import { QuotaExceededError } from "../../security/errors.js";
import { QuotaLedger } from "../../server/quotas/ledger.js";
import { noResources, type ResourceAmounts } from "../../server/quotas/resources.js";

const quotas: ResourceAmounts = { ...noResources, points: 100, collections: 10 };

function ledgerOver(stored: { points: number }, clock = { now: 0 }) {
  let measurements = 0;
  const ledger = new QuotaLedger({
    quotasOf: () => quotas,
    measure: async () => {
      measurements++;
      await new Promise((resolve) => setTimeout(resolve, 1));
      return { ...noResources, points: stored.points };
    },
    maxAgeMs: 1_000,
    now: () => clock.now,
  });
  return { ledger, measurements: () => measurements };
}

describe("QuotaLedger", () => {
  it("admits writes well under the quota on one measurement", async () => {
    const { ledger, measurements } = ledgerOver({ points: 10 });
    for (let i = 0; i < 5; i++) (await ledger.reserve("t", { points: 10 })).commit();
    expect(measurements()).toBe(1);
  });

  it("shares one measurement between concurrent writes", async () => {
    const { ledger, measurements } = ledgerOver({ points: 0 });
    await Promise.all([1, 2, 3].map(() => ledger.reserve("t", { points: 1 })));
    expect(measurements()).toBe(1);
  });

  it("never lets concurrent writes pass the quota together", async () => {
    const stored = { points: 50 };
    const { ledger } = ledgerOver(stored);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => ledger.reserve("t", { points: 10 })),
    );
    const admitted = outcomes.filter((outcome) => outcome.status === "fulfilled");
    expect(admitted).toHaveLength(5);
    const refused = outcomes.find((outcome) => outcome.status === "rejected");
    expect(refused?.status === "rejected" && refused.reason).toBeInstanceOf(QuotaExceededError);
  });

  it("measures again near the quota and asks what the write really adds", async () => {
    const stored = { points: 95 };
    const { ledger, measurements } = ledgerOver(stored);
    const claim = await ledger.reserve("t", { points: 10 }, undefined, async () => ({ points: 2 }));
    expect(measurements()).toBe(2);
    claim.commit();
    stored.points = 97;
    await expect(
      ledger.reserve("t", { points: 10 }, undefined, async () => ({ points: 4 })),
    ).rejects.toMatchObject({ resource: "points", limit: 100, used: 97, requested: 4 });
  });

  it("gives a failed write's claim back", async () => {
    const stored = { points: 0 };
    const { ledger } = ledgerOver(stored);
    (await ledger.reserve("t", { points: 90 })).release();
    (await ledger.reserve("t", { points: 90 })).commit();
    stored.points = 90;
    await expect(ledger.reserve("t", { points: 20 })).rejects.toBeInstanceOf(QuotaExceededError);
  });

  it("trusts a measurement only until it is maxAgeMs old", async () => {
    const clock = { now: 0 };
    const { ledger, measurements } = ledgerOver({ points: 0 }, clock);
    await ledger.reserve("t", { points: 1 });
    clock.now = 1_001;
    await ledger.reserve("t", { points: 1 });
    expect(measurements()).toBe(2);
  });

  it("measures only the store a write goes to, so an engine that is down holds up no other", async () => {
    const asked: string[] = [];
    const ledger = new QuotaLedger({
      quotasOf: () => ({ ...noResources, points: 100, topics: 10 }),
      measure: async (_, group) => {
        asked.push(group);
        if (group === "events") throw new Error("kafka is down");
        return { points: 1 };
      },
      maxAgeMs: 1_000,
    });
    (await ledger.reserve("t", { points: 5 })).commit();
    await expect(ledger.reserve("t", { topics: 1 })).rejects.toThrow("kafka is down");
    expect(asked).toEqual(["vectors", "events"]);
  });

  it("answers a caller whose signal aborts while a measurement is still running", async () => {
    const ledger = new QuotaLedger({
      quotasOf: () => quotas,
      measure: () => new Promise(() => undefined),
      maxAgeMs: 1_000,
    });
    const controller = new AbortController();
    const waiting = ledger.reserve("t", { points: 1 }, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
  });

  it("measures nothing for a write no quota bounds", async () => {
    const { ledger, measurements } = ledgerOver({ points: 0 });
    await ledger.reserve("t", { nodes: 5 });
    expect(measurements()).toBe(0);
  });
});
