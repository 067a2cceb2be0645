import { performance } from "node:perf_hooks";
import { type CpuActors, type CpuFigures, cpuFigures, cpuSample } from "./cpu.js";
import { type CallFigures, figures } from "./figures.js";
import { runGhzMix } from "./ghz-mix.js";
import type { LoadRunResult } from "./load-messages.js";
import type { NodeLoad } from "./load-process.js";
import { callTypes, type PerCallType, splitByWeight } from "./mix.js";
import type { LoadShape } from "./options.js";
import type { TenantPlan } from "./requests.js";
import { type MemorySample, memorySample } from "./server-stats.js";
import type { TypeTally } from "./tally.js";

/** How the load of one target is split. */
export interface LoadSplit {
  /** gRPC calls in flight per call type (one ghz process each). */
  readonly grpc: PerCallType<number>;
  /** HTTP/2 connections per ghz process. */
  readonly grpcConnections: PerCallType<number>;
  /** Connect JSON calls in flight per call type (one HTTP/1.1 connection each). */
  readonly connect: PerCallType<number>;
}

/** What the measured load on one target found. */
export interface LoadFigures {
  readonly split: LoadSplit;
  /** Wall time of the measured load, from its start to the last call's end, in ms. */
  readonly wallMs: number;
  /** Per call type, gRPC (ghz). */
  readonly grpc: readonly CallFigures[];
  /** Per call type, Connect JSON (the Node load process). */
  readonly connect: readonly CallFigures[];
  /** Per call type, both protocols together. */
  readonly byType: readonly CallFigures[];
  /** `all gRPC`, `all Connect JSON`, `everything`. */
  readonly overall: readonly CallFigures[];
  /** The server's memory: data loaded (before the warm-up), before and after the measured load. */
  readonly memory: {
    readonly loaded: MemorySample;
    readonly before: MemorySample;
    readonly after: MemorySample;
  };
  readonly cpu: CpuFigures;
}

/** Where each side runs, and what it drives. */
export interface LoadActors {
  readonly ghz: string;
  /** The server, the Node load process and the engines this run started. */
  readonly pids: CpuActors;
  readonly grpcAddress: string;
  readonly metricsPort: number;
  /** The gRPC tenant's plan (ghz). */
  readonly grpcPlan: TenantPlan;
  /** The Node load process, set up with a `connect-json` client. */
  readonly node: NodeLoad;
  /** The core ghz is pinned to. */
  readonly loadCpu: number;
}

/** The per-call-type split of `shape`'s concurrencies, scaled by `scale`. */
export function loadSplit(shape: LoadShape, scale: number): LoadSplit {
  const grpcTotal = Math.max(callTypes.length, Math.round(shape.grpcConcurrency * scale));
  const grpc = splitByWeight(grpcTotal);
  const connectionsTotal = Math.min(
    grpcTotal,
    Math.max(callTypes.length, Math.round(shape.grpcConnections * scale)),
  );
  const connections = splitByWeight(connectionsTotal);
  const grpcConnections = Object.fromEntries(
    callTypes.map((type) => [type, Math.min(grpc[type], connections[type])]),
  ) as PerCallType<number>;
  return {
    grpc,
    grpcConnections,
    connect: splitByWeight(
      Math.max(callTypes.length, Math.round(shape.connectConcurrency * scale)),
    ),
  };
}

/**
 * Warms up with the same load for `shape.warmupMs`, then runs the measured load: one ghz
 * process per call type and the Node load process's closed loops, all at once for
 * `shape.durationMs`. Samples the server's memory before the warm-up and around the
 * measured load, and the server's and every core's CPU around it.
 */
export async function runLoad(
  actors: LoadActors,
  shape: LoadShape,
  split: LoadSplit,
  log: (message: string) => void,
): Promise<LoadFigures> {
  const memory = () => memorySample(actors.pids.server, actors.metricsPort);
  const both = (durationMs: number) =>
    Promise.all([
      runGhzMix({
        ghz: actors.ghz,
        address: actors.grpcAddress,
        plan: actors.grpcPlan,
        concurrency: split.grpc,
        connections: split.grpcConnections,
        durationMs,
        cpu: actors.loadCpu,
      }),
      actors.node.closed("connect-json", split.connect, durationMs),
    ]);
  const loaded = await memory();
  log(`warm-up: ${shape.warmupMs / 1000} s`);
  const [warmGrpc, warmConnect] = await both(shape.warmupMs);
  warnNotOk("warm-up", [...warmGrpc, ...connectTallies(warmConnect)], log);
  const before = await memory();
  log(`measuring: ${shape.durationMs / 1000} s`);
  const cpuBefore = cpuSample(actors.pids);
  const started = performance.now();
  const [grpcTallies, connectResult] = await both(shape.durationMs);
  const wallMs = performance.now() - started;
  const cpuAfter = cpuSample(actors.pids);
  const after = await memory();
  const connect = connectTallies(connectResult);
  const grpcRows = grpcTallies.map((tally) => figures(tally.type, [tally]));
  const connectRows = connect.map((tally) => figures(tally.type, [tally]));
  const byType = callTypes.map((type) =>
    figures(
      type,
      [...grpcTallies, ...connect].filter((tally) => tally.type === type),
    ),
  );
  const overall = [
    figures("all gRPC", grpcTallies),
    figures("all Connect JSON", connect),
    figures("everything", [...grpcTallies, ...connect]),
  ];
  return {
    split,
    wallMs,
    grpc: grpcRows,
    connect: connectRows,
    byType,
    overall,
    memory: { loaded, before, after },
    cpu: cpuFigures(cpuBefore, cpuAfter, wallMs, overall[2]!.calls),
  };
}

function connectTallies(result: LoadRunResult): readonly TypeTally[] {
  return result.clients.flatMap((client) => client.tallies);
}

function warnNotOk(
  phase: string,
  tallies: readonly TypeTally[],
  log: (message: string) => void,
): void {
  for (const tally of tallies) {
    const failed = Object.entries(tally.statuses).filter(([status]) => status !== "OK");
    if (failed.length > 0) log(`${phase}: ${tally.type} saw ${JSON.stringify(tally.statuses)}`);
  }
}
