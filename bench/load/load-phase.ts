import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { type CpuActors, type CpuFigures, cpuFigures, cpuSample } from "./cpu.js";
import { type CallFigures, figures } from "./figures.js";
import { runGhzMix } from "./ghz-mix.js";
import type { LoadRunResult } from "./load-messages.js";
import type { NodeLoad } from "./load-process.js";
import { callTypes, type PerCallType, splitByWeight } from "./mix.js";
import type { LoadShape } from "./options.js";
import type { TenantPlan } from "./requests.js";
import { type MemorySample, memorySample } from "./server-stats.js";
import { notOk, type TypeTally } from "./tally.js";

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
  /** From the window's start to the last call's end, in ms: the span of the CPU figures. */
  readonly wallMs: number;
  /** The warm-up's calls, and those that did not end OK. */
  readonly warmup: { readonly calls: number; readonly notOk: number };
  /** Per call type, gRPC (ghz). */
  readonly grpc: readonly CallFigures[];
  /** Per call type, Connect JSON (the Node load process). */
  readonly connect: readonly CallFigures[];
  /** Per call type, both protocols together. */
  readonly byType: readonly CallFigures[];
  /** `all gRPC`, `all Connect JSON`, `everything`. */
  readonly overall: readonly CallFigures[];
  /**
   * The server's memory: data loaded (idle, before the warm-up), at the window's start
   * (under load) and once every call has ended.
   */
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
 * Runs the load: one ghz process per call type and the Node load process's closed loops,
 * all at once, without a pause, for `shape.warmupMs` and then the measured window of
 * `shape.durationMs`; only the calls started in the window are tallied, so the figures
 * are of the steady state, not of the first wave. Samples the server's memory before the
 * load, at the window's start and once every call has ended, and the CPU from the
 * window's start until then.
 */
export async function runLoad(
  actors: LoadActors,
  shape: LoadShape,
  split: LoadSplit,
  log: (message: string) => void,
): Promise<LoadFigures> {
  const memory = () => memorySample(actors.pids.server, actors.metricsPort);
  const loaded = await memory();
  const fromEpochMs = Date.now() + shape.warmupMs;
  const window = { fromEpochMs, toEpochMs: fromEpochMs + shape.durationMs };
  log(`warm-up: ${shape.warmupMs / 1000} s, then measuring: ${shape.durationMs / 1000} s`);
  const running = Promise.all([
    runGhzMix({
      ghz: actors.ghz,
      address: actors.grpcAddress,
      plan: actors.grpcPlan,
      concurrency: split.grpc,
      connections: split.grpcConnections,
      window,
      cpu: actors.loadCpu,
    }),
    actors.node.closed("connect-json", split.connect, window),
  ]);
  await Promise.race([sleep(Math.max(0, fromEpochMs - Date.now())), running]);
  const cpuBefore = cpuSample(actors.pids);
  const started = performance.now();
  const before = await memory();
  const [ghz, connectResult] = await running;
  const cpuAfter = cpuSample(actors.pids);
  const wallMs = performance.now() - started;
  const after = await memory();
  const grpcTallies = ghz.tallies;
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
  const warmupStatuses = addStatuses(ghz.warmupStatuses, connectResult.warmupStatuses);
  return {
    split,
    wallMs,
    warmup: { calls: sum(warmupStatuses), notOk: notOk(warmupStatuses) },
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

function addStatuses(
  ...counts: readonly Readonly<Record<string, number>>[]
): Record<string, number> {
  const total: Record<string, number> = {};
  for (const count of counts) {
    for (const [status, n] of Object.entries(count)) total[status] = (total[status] ?? 0) + n;
  }
  return total;
}

function sum(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((total, n) => total + n, 0);
}
