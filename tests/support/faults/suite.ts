import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callDeadlineMs, type FaultServer, startFaultServer } from "./fault-server.js";
import { type CallRecord, type LoadOperation, MixedLoad, type WriteOperation } from "./load.js";
import { missingEvents, missingNodes, missingPoints } from "./read-back.js";
import { ServerWatch } from "./watch.js";

/** One way of breaking an engine. */
export interface EngineFault {
  /** What is done to the engine, for the test's name. */
  readonly name: string;
  /**
   * Whether the engine's breaker must open. An engine that refuses or drops connections
   * opens it; a hung one opens it only when its attempt timeout is shorter than the
   * callers' deadlines, since a call cut by its own deadline is no engine fault
   * (docs/resilience.md): readiness, which times its probes out, is what reports it then.
   */
  readonly breakerOpens: boolean;
  /**
   * Breaks the engine and resolves once it is back (restarted, reconnected, thawed). It
   * must bring the engine back even when it fails.
   */
  inflict(fixture: FaultServer): Promise<void>;
}

/** An engine and the ways a suite breaks it. */
export interface EngineFaultSuite {
  /** The engine's metric label. */
  readonly engine: "kafka" | "neo4j" | "redis" | "qdrant";
  /** The services (full names) that need the engine: they must report not ready. */
  readonly services: readonly string[];
  /** The operations of the load that need the engine; the others must not notice. */
  readonly dependent: readonly LoadOperation[];
  readonly faults: readonly EngineFault[];
}

/** Slack on top of the server's deadline before a call counts as hung. */
const marginMs = 1_000;
/** Load before the fault, and after the server has recovered. */
const steadyMs = 1_500;
/** How long the server may take to report ready with a closed breaker once the engine is back. */
const recoveryTimeoutMs = 30_000;
const writeOperations: readonly WriteOperation[] = ["publish", "upsert", "upsertNodes"];
/** The codes a call may end with while an engine is down. */
const outageCodes = ["OK", "Unavailable", "DeadlineExceeded"];

/**
 * Registers, for each fault, a test that breaks the engine under a steady mixed load
 * through the server's gRPC port and checks what clients and operators see: no call
 * hangs past its deadline, failures are UNAVAILABLE or DEADLINE_EXCEEDED (never INTERNAL),
 * operations that do not need the engine go on, readiness and the breaker flip and come
 * back by themselves, and every write acknowledged before, during and after is readable.
 */
export function describeEngineFaults(suite: EngineFaultSuite): void {
  describe(`${suite.engine} faults under load`, () => {
    const run = randomUUID().slice(0, 8);
    let fixture: FaultServer;

    beforeAll(async () => {
      fixture = await startFaultServer(run);
    }, 90_000);
    afterAll(() => fixture?.close());

    for (const fault of suite.faults) {
      it(`${fault.name}: calls end within their deadline as UNAVAILABLE or DEADLINE_EXCEEDED, readiness and the breaker recover by themselves, no acknowledged write is lost`, async () => {
        const { server, clients, topic, collection, hubNode } = fixture;
        const load = new MixedLoad(clients, {
          run: `${run}-${suite.faults.indexOf(fault)}`,
          topic,
          collection,
          hubNode,
          deadlineMs: callDeadlineMs,
          marginMs,
        });
        const watch = new ServerWatch({
          httpPort: server.ports.httpPort,
          metrics: server.metrics,
          engine: suite.engine,
          services: suite.services,
        });
        watch.start();
        load.start();
        let faultAt = 0;
        let backAt = 0;
        let recoveredAt = 0;
        try {
          await sleep(steadyMs);
          faultAt = performance.now();
          await fault.inflict(fixture);
          backAt = performance.now();
          await watch.until((sample) => sample.ready && sample.breaker === 0, recoveryTimeoutMs);
          recoveredAt = performance.now();
          await sleep(steadyMs);
        } finally {
          await load.stop();
          await watch.stop();
        }

        const records = load.records;
        const lost = {
          publish: await missingEvents(clients, { topic, collection }, load.acked("publish")),
          upsert: await missingPoints(clients, { topic, collection }, load.acked("upsert")),
          upsertNodes: await missingNodes(clients, load.acked("upsertNodes")),
        };
        const { before, during, after } = phasesOf(records, faultAt, recoveredAt);
        const dependent = new Set(suite.dependent);
        const independent = records.filter((call) => !dependent.has(call.operation));
        console.info(
          `[faults] ${suite.engine} ${fault.name}: ${JSON.stringify({
            downMs: Math.round(backAt - faultAt),
            recoveredAfterBackMs: Math.round(recoveredAt - backAt),
            acked: Object.fromEntries(writeOperations.map((op) => [op, load.acked(op).length])),
            lost: Object.fromEntries(Object.entries(lost).map(([op, ids]) => [op, ids.length])),
            before: tally(before),
            during: tally(during),
            after: tally(after),
            slowestFailureMs: Math.round(
              Math.max(0, ...records.filter((call) => call.code !== "OK").map(durationOf)),
            ),
            slowestDuringMs: slowest(during),
            breaker: watch.breakerStates,
            ready: watch.readinessChanges,
          })}`,
        );

        expect(records.filter((call) => call.hung)).toEqual([]);
        expect(records.filter((call) => !outageCodes.includes(call.code))).toEqual([]);
        expect(before.filter((call) => call.code !== "OK")).toEqual([]);
        expect(
          during.some((call) => dependent.has(call.operation) && call.code !== "OK"),
          "the outage was seen by the operations that need the engine",
        ).toBe(true);
        expect(independent.filter((call) => call.code !== "OK")).toEqual([]);
        expect(after.filter((call) => call.code !== "OK")).toEqual([]);
        for (const operation of suite.dependent) {
          expect(after.some((call) => call.operation === operation)).toBe(true);
        }
        expect(watch.readinessChanges[0]).toBe(true);
        expect(watch.readinessChanges).toContain(false);
        expect(watch.readinessChanges.at(-1)).toBe(true);
        if (fault.breakerOpens) expect(watch.breakerStates).toContain(2);
        expect(watch.breakerStates.at(-1)).toBe(0);
        expect(lost).toEqual({ publish: [], upsert: [], upsertNodes: [] });
        for (const operation of writeOperations) {
          expect(load.acked(operation).length).toBeGreaterThan(0);
        }
      }, 180_000);
    }
  });
}

/**
 * The calls that ended before the fault, those made between the fault and the server's
 * recovery, and those made after it.
 */
function phasesOf(
  records: readonly CallRecord[],
  faultAt: number,
  recoveredAt: number,
): Record<"before" | "during" | "after", CallRecord[]> {
  return {
    before: records.filter((call) => call.endedAt < faultAt),
    during: records.filter((call) => call.startedAt >= faultAt && call.endedAt <= recoveredAt),
    after: records.filter((call) => call.startedAt >= recoveredAt),
  };
}

/** The longest call of each operation, in ms. */
function slowest(records: readonly CallRecord[]): Record<string, number> {
  const longest: Record<string, number> = {};
  for (const call of records) {
    longest[call.operation] = Math.max(longest[call.operation] ?? 0, Math.round(durationOf(call)));
  }
  return longest;
}

function durationOf(call: CallRecord): number {
  return call.endedAt - call.startedAt;
}

/** Calls per operation and code, e.g. `{ publish: { OK: 40, Unavailable: 3 } }`. */
function tally(records: readonly CallRecord[]): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {};
  for (const { operation, code } of records) {
    const byCode = counts[operation] ?? {};
    byCode[code] = (byCode[code] ?? 0) + 1;
    counts[operation] = byCode;
  }
  return counts;
}
