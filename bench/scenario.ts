import { cpus } from "node:os";
import type { BenchChild } from "./children.js";
import { type LoadOptions, type LoadResult, runClosedLoop } from "./load.js";

/** One measured scenario: the load result plus where the CPU time went. */
export interface ScenarioResult extends LoadResult {
  /** Short stable key, e.g. `grpc-search`. */
  readonly name: string;
  /** What was measured, for the report. */
  readonly description: string;
  /** CPU time (user + system) the server child spent per call, when a child served it. */
  readonly serverCpuMicrosPerCall?: number;
  /** CPU time this (client) process spent per call. */
  readonly clientCpuMicrosPerCall: number;
  /** The server child's CPU time over the run, in cores (1 = one core fully busy). */
  readonly serverCores?: number;
  /** This process's CPU time over the run, in cores. */
  readonly clientCores: number;
  /**
   * CPU time the engine behind the server (e.g. the Qdrant ragplane calls) spent per call,
   * when the run sampled one apart from the server.
   */
  readonly engineCpuMicrosPerCall?: number;
  /** That engine's CPU time over the run, in cores. */
  readonly engineCores?: number;
  /**
   * CPU time of everything else on the machine over the run, in cores: other processes
   * (and idle children) competing with the measurement. Near 0 on a quiet machine.
   */
  readonly otherCores: number;
}

/** A scenario to run: its name, load shape, optional warm-up and the serving child. */
export interface ScenarioSpec {
  readonly name: string;
  readonly description: string;
  readonly load: LoadOptions;
  /** An un-measured run of this length first; 0 for none. */
  readonly warmupMs: number;
  /** The child serving the calls, whose CPU time is sampled around the measured run. */
  readonly server?: BenchChild;
  /** Where to write a CPU profile of `server` over the measured run; none by default. */
  readonly profilePath?: string;
}

/** Runs a scenario's warm-up, then its measured closed loop, sampling CPU on both sides. */
export async function runScenario(
  spec: ScenarioSpec,
  call: (request: number) => Promise<unknown>,
): Promise<ScenarioResult> {
  if (spec.warmupMs > 0) {
    await runClosedLoop({ ...spec.load, durationMs: spec.warmupMs }, call);
  }
  const profiled = spec.profilePath !== undefined ? spec.server : undefined;
  await profiled?.startProfile();
  const serverBefore = await spec.server?.cpuMicros();
  const machineBefore = machineBusyMicros();
  const clientBefore = process.cpuUsage();
  const result = await runClosedLoop(spec.load, call);
  const client = process.cpuUsage(clientBefore);
  const machine = machineBusyMicros() - machineBefore;
  const serverAfter = await spec.server?.cpuMicros();
  if (spec.profilePath !== undefined) await profiled?.stopProfile(spec.profilePath);
  const perCall = (micros: number): number => (result.requests > 0 ? micros / result.requests : 0);
  const cores = (micros: number): number =>
    result.elapsedMs > 0 ? micros / (1000 * result.elapsedMs) : 0;
  const clientMicros = client.user + client.system;
  const serverMicros =
    serverBefore !== undefined && serverAfter !== undefined ? serverAfter - serverBefore : 0;
  return {
    name: spec.name,
    description: spec.description,
    ...result,
    ...(serverBefore !== undefined && serverAfter !== undefined
      ? {
          serverCpuMicrosPerCall: perCall(serverAfter - serverBefore),
          serverCores: cores(serverAfter - serverBefore),
        }
      : {}),
    clientCpuMicrosPerCall: perCall(clientMicros),
    clientCores: cores(clientMicros),
    otherCores: Math.max(0, cores(machine - clientMicros - serverMicros)),
  };
}

/** CPU time all cores have spent busy since boot, in microseconds. */
export function machineBusyMicros(): number {
  let busy = 0;
  for (const { times } of cpus()) busy += times.user + times.nice + times.sys + times.irq;
  return 1000 * busy;
}
