import { performance } from "node:perf_hooks";
import type { BenchChild } from "../children.js";
import { LatencyRecorder, type LatencySummary } from "../latency.js";
import { runScenario, type ScenarioResult } from "../scenario.js";

/** One way of doing the same work: ragplane on an engine, or the engine's client directly. */
export interface BenchPath {
  /** Short stable key, e.g. `ragplane-kafka`. */
  readonly name: string;
  readonly description: string;
  /** The ragplane child serving the calls, when there is one (its CPU time is sampled). */
  readonly server?: BenchChild;
  /** Does the path's next call (each call of a path works on its own next item). */
  readonly call: () => Promise<unknown>;
}

/** How the rounds run. */
export interface RoundsOptions {
  readonly rounds: number;
  readonly concurrency: number;
  readonly measureMs: number;
  /** Most calls of one measured run. */
  readonly maxRequests: number;
  readonly warmupMs: number;
  /** Most calls of one warm-up. */
  readonly warmupRequests: number;
}

/** A path's figures over all its measured rounds. */
export interface PathResult {
  readonly name: string;
  readonly description: string;
  readonly concurrency: number;
  readonly requests: number;
  readonly elapsedMs: number;
  /** Calls per second over all rounds: their calls over their summed wall time. */
  readonly throughput: number;
  /** Percentiles over every call of every round, in microseconds. */
  readonly latency: LatencySummary;
  /** Mean over rounds of the CPU the ragplane child spent per call, when a child served it. */
  readonly serverCpuMicrosPerCall?: number;
  /** Mean over rounds of the CPU this process spent per call. */
  readonly clientCpuMicrosPerCall: number;
  /**
   * Mean over rounds of the ragplane child's CPU time over wall time, in cores: near 1.0
   * its one event loop is the bottleneck.
   */
  readonly serverCores?: number;
  /** Mean over rounds of this process's CPU time over wall time, in cores. */
  readonly clientCores: number;
  /** Mean over rounds of the CPU per call of the engine behind the server, when sampled apart. */
  readonly engineCpuMicrosPerCall?: number;
  /** Mean over rounds of that engine's CPU time over wall time, in cores. */
  readonly engineCores?: number;
  /** Mean over rounds of the cores the rest of the machine used meanwhile (engines included). */
  readonly otherCores: number;
  readonly rounds: readonly ScenarioResult[];
}

/**
 * Warms every path up, then runs `rounds` measured closed-loop runs of each, interleaved
 * (A, B, C, A, B, C…) so that drifting load on the machine hits every path alike.
 */
export async function runRounds(
  paths: readonly BenchPath[],
  options: RoundsOptions,
): Promise<PathResult[]> {
  const states = paths.map((path) => {
    const recorder = new LatencyRecorder(options.rounds * options.maxRequests);
    const state = { path, recorder, rounds: [] as ScenarioResult[], measuring: false, call };
    async function call(): Promise<unknown> {
      const begin = performance.now();
      const result = await path.call();
      if (state.measuring) recorder.record(performance.now() - begin);
      return result;
    }
    return state;
  });
  for (const state of states) {
    await runScenario(
      {
        name: `${state.path.name}-warmup`,
        description: "warm-up",
        load: {
          concurrency: options.concurrency,
          durationMs: options.warmupMs,
          maxRequests: options.warmupRequests,
        },
        warmupMs: 0,
      },
      state.call,
    );
  }
  for (let round = 1; round <= options.rounds; round++) {
    for (const state of states) {
      state.measuring = true;
      const result = await runScenario(
        {
          name: state.path.name,
          description: `${state.path.description} (round ${round})`,
          load: {
            concurrency: options.concurrency,
            durationMs: options.measureMs,
            maxRequests: options.maxRequests,
          },
          warmupMs: 0,
          ...(state.path.server === undefined ? {} : { server: state.path.server }),
        },
        state.call,
      );
      state.measuring = false;
      state.rounds.push(result);
    }
  }
  return states.map(({ path, recorder, rounds }) => summarize(path, recorder, rounds, options));
}

/** A path's figures over its measured rounds, with latency percentiles over every call. */
export function summarize(
  path: Pick<BenchPath, "name" | "description">,
  recorder: LatencyRecorder,
  rounds: readonly ScenarioResult[],
  options: Pick<RoundsOptions, "concurrency">,
): PathResult {
  const requests = sum(rounds.map((r) => r.requests));
  const elapsedMs = sum(rounds.map((r) => r.elapsedMs));
  const servers = rounds.flatMap((r) =>
    r.serverCpuMicrosPerCall === undefined ? [] : [r.serverCpuMicrosPerCall],
  );
  const serverCores = rounds.flatMap((r) => (r.serverCores === undefined ? [] : [r.serverCores]));
  const engines = rounds.flatMap((r) =>
    r.engineCpuMicrosPerCall === undefined ? [] : [r.engineCpuMicrosPerCall],
  );
  const engineCores = rounds.flatMap((r) => (r.engineCores === undefined ? [] : [r.engineCores]));
  return {
    name: path.name,
    description: path.description,
    concurrency: options.concurrency,
    requests,
    elapsedMs,
    throughput: elapsedMs > 0 ? (1000 * requests) / elapsedMs : 0,
    latency: recorder.summary(),
    ...(servers.length === 0 ? {} : { serverCpuMicrosPerCall: mean(servers) }),
    clientCpuMicrosPerCall: mean(rounds.map((r) => r.clientCpuMicrosPerCall)),
    ...(serverCores.length === 0 ? {} : { serverCores: mean(serverCores) }),
    clientCores: mean(rounds.map((r) => r.clientCores)),
    ...(engines.length === 0 ? {} : { engineCpuMicrosPerCall: mean(engines) }),
    ...(engineCores.length === 0 ? {} : { engineCores: mean(engineCores) }),
    otherCores: mean(rounds.map((r) => r.otherCores)),
    rounds,
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : sum(values) / values.length;
}
