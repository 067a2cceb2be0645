import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "vitest";
import {
  faultRunDir,
  faultSkipReason,
  freezeEngine,
  type ManagedEngine,
  restartEngine,
} from "./engine-control.js";
import type { RelayedEngine } from "./fault-server.js";
import type { EngineFault } from "./suite.js";

/** The engine crashes (SIGKILL), stays down `downSeconds`, and is started again on its data. */
export function killedAndRestarted(engine: ManagedEngine, downSeconds: number): EngineFault {
  return {
    name: `killed with SIGKILL, down ${downSeconds} s, restarted on its data`,
    breakerOpens: true,
    async inflict() {
      try {
        await restartEngine(engine, { kill: true, downSeconds });
      } catch (error) {
        await restartEngine(engine).catch(() => undefined);
        throw error;
      }
    },
  };
}

/**
 * The relay in front of the engine forwards nothing for `ms` but closes nothing;
 * `breakerOpens` says whether enough attempts time out during it to open the breaker
 * (attempts end just before the 2 s deadlines, and a timed-out attempt is a fault).
 */
export function blackholed(engine: RelayedEngine, ms: number, breakerOpens: boolean): EngineFault {
  return {
    name: `blackholed for ${ms} ms (connections open, no byte forwarded)`,
    breakerOpens,
    async inflict({ relays }) {
      const relay = relays.get(engine);
      if (relay === undefined) throw new Error(`${engine} is not behind a relay`);
      relay.blackhole();
      try {
        await sleep(ms);
      } finally {
        relay.restore();
      }
    },
  };
}

/**
 * The engine's process is frozen (SIGSTOP) for `ms`, then runs on (SIGCONT): its
 * connections stay open and nothing is answered, as through a blackhole. `breakerOpens` as
 * for {@link blackholed}.
 */
export function frozen(engine: ManagedEngine, ms: number, breakerOpens: boolean): EngineFault {
  return {
    name: `frozen with SIGSTOP for ${ms} ms (connections open, nothing answered)`,
    breakerOpens,
    async inflict() {
      const thaw = freezeEngine(engine);
      try {
        await sleep(ms);
      } finally {
        thaw();
      }
    },
  };
}

/** The relay in front of the engine drops every connection and refuses new ones for `ms`. */
export function cutOff(engine: RelayedEngine, ms: number): EngineFault {
  return {
    name: `cut off for ${ms} ms (connections dropped, new ones refused)`,
    breakerOpens: true,
    async inflict({ relays }) {
      const relay = relays.get(engine);
      if (relay === undefined) throw new Error(`${engine} is not behind a relay`);
      await relay.cut();
      try {
        await sleep(ms);
      } finally {
        await relay.open();
      }
    },
  };
}

/** Whether Kafka, Neo4j and Redis are configured and this run may break them. */
export const engineFaultsRunnable =
  faultRunDir !== undefined &&
  Boolean(process.env.KAFKA_BROKERS && process.env.NEO4J_URL && process.env.REDIS_URL);

/** Registers a skipped suite for `engine`'s faults that says why it did not run. */
export function describeSkippedFaults(engine: string, reason?: string): void {
  const why =
    reason ??
    (faultRunDir === undefined
      ? faultSkipReason
      : "skipped: set KAFKA_BROKERS, NEO4J_URL and REDIS_URL (scripts/engines/start.sh redis kafka neo4j)");
  describe.skip(`${engine} faults under load — ${why}`, () => {
    it("runs against real engines this run may break", () => {});
  });
}
