import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { type CpuActors, type CpuFigures, cpuFigures, cpuSample } from "./cpu.js";
import { type CallFigures, figures } from "./figures.js";
import type { LoadProgress } from "./load-messages.js";
import type { NodeLoad } from "./load-process.js";
import { callTypes } from "./mix.js";
import type { SoakShape } from "./options.js";
import { type MemorySample, memorySample } from "./server-stats.js";
import { type Trend, trend } from "./trend.js";

/** One sample of the server during the soak. */
export interface SoakSample extends MemorySample {
  /** Since the scheduled calls started, in ms. */
  readonly atMs: number;
  /** Calls that ended since the previous sample. */
  readonly calls: number;
  /** Of those, the calls that did not end OK. */
  readonly notOk: number;
  /** The server's CPU since the previous sample, over the wall time between them. */
  readonly serverCores: number;
}

/** What the soak found. */
export interface SoakFigures {
  readonly wallMs: number;
  readonly samples: readonly SoakSample[];
  /** Least-squares lines over the second half of the run. */
  readonly trends: {
    readonly rssBytes: Trend;
    readonly heapUsedBytes: Trend;
    readonly activeHandles: Trend;
  };
  /** Per call type, both clients together. */
  readonly byType: readonly CallFigures[];
  /** Per client (`connect-json`, `grpc`), then `everything`. */
  readonly overall: readonly CallFigures[];
  /** The longest a call started behind its schedule, in ms. */
  readonly maxStartLagMs: number;
  readonly lateStarts: number;
  /** Where the CPU went over the whole soak. */
  readonly cpu: CpuFigures;
}

/** What the soak drives and samples. */
export interface SoakActors {
  /** The server, the Node load process and the engines this run started. */
  readonly pids: CpuActors;
  readonly metricsPort: number;
  /** The Node load process, set up with a `connect-json` and a `grpc` client. */
  readonly node: NodeLoad;
}

/**
 * Sends `shape.rate` mixed calls per second for `shape.minutes`, both clients in turn,
 * and samples the server every `shape.sampleMs` (RSS, V8 heap in use, active handles,
 * calls and CPU since the last sample); fits a line to each of the three over the
 * second half of the run.
 */
export async function runSoak(
  actors: SoakActors,
  shape: SoakShape,
  log: (message: string) => void,
): Promise<SoakFigures> {
  const durationMs = shape.minutes * 60_000;
  const samples: SoakSample[] = [];
  let previous: LoadProgress = { calls: 0, notOk: 0 };
  let previousCpu = cpuSample(actors.pids);
  let previousAt = 0;
  const sample = async (atMs: number, progress: LoadProgress): Promise<void> => {
    const memory = await memorySample(actors.pids.server, actors.metricsPort);
    const cpu = cpuSample(actors.pids);
    const wallMicros = 1000 * Math.max(1, atMs - previousAt);
    samples.push({
      atMs,
      ...memory,
      calls: progress.calls - previous.calls,
      notOk: progress.notOk - previous.notOk,
      serverCores: samples.length === 0 ? 0 : (cpu.server - previousCpu.server) / wallMicros,
    });
    previous = progress;
    previousCpu = cpu;
    previousAt = atMs;
  };
  const firstCpu = previousCpu;
  await sample(0, previous);
  const started = performance.now();
  const run = actors.node.scheduled(["connect-json", "grpc"], shape.rate, durationMs);
  let running = true;
  const stopped = (): void => {
    running = false;
  };
  const finished = run.then(stopped, stopped);
  for (let next = shape.sampleMs; running && next < durationMs; next += shape.sampleMs) {
    const wait = started + next - performance.now();
    await Promise.race([sleep(Math.max(0, wait)), finished]);
    if (!running) break;
    await sample(performance.now() - started, await actors.node.progress());
    if (samples.length % 6 === 1) {
      const last = samples[samples.length - 1]!;
      log(
        `soak ${Math.round(last.atMs / 1000)} s: RSS ${mib(last.rssBytes)} MiB, heap ` +
          `${mib(last.heapUsedBytes)} MiB, ${last.activeHandles} handles`,
      );
    }
  }
  const result = await run;
  const wallMs = performance.now() - started;
  const total = result.clients.flatMap((client) => client.tallies);
  await sample(wallMs, {
    calls: total.reduce((sum, tally) => sum + tally.calls, 0),
    notOk: total.reduce((sum, tally) => sum + tally.calls - (tally.statuses.OK ?? 0), 0),
  });
  const half = durationMs / 2;
  const series = (pick: (s: SoakSample) => number) =>
    trend(
      samples.map((s) => ({ atMs: s.atMs, value: pick(s) })),
      half,
    );
  const everything = figures("everything", total);

  return {
    wallMs,
    samples,
    trends: {
      rssBytes: series((s) => s.rssBytes),
      heapUsedBytes: series((s) => s.heapUsedBytes),
      activeHandles: series((s) => s.activeHandles),
    },
    byType: callTypes.map((type) =>
      figures(
        type,
        total.filter((tally) => tally.type === type),
      ),
    ),
    overall: [
      ...result.clients.map((client) =>
        figures(`all ${clientLabels[client.client] ?? client.client}`, client.tallies),
      ),
      everything,
    ],
    maxStartLagMs: result.maxStartLagMs,
    lateStarts: result.lateStarts,
    cpu: cpuFigures(firstCpu, cpuSample(actors.pids), wallMs, everything.calls),
  };
}

const clientLabels: Readonly<Record<string, string>> = {
  "connect-json": "Connect JSON",
  grpc: "gRPC",
};

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
