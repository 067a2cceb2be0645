import type { BenchChild } from "./children.js";
import { type PathResult, type RoundsOptions, summarize } from "./engines/rounds.js";
import { type GhzCall, type GhzOptions, type GhzRun, runGhz } from "./ghz.js";
import { LatencyRecorder } from "./latency.js";
import { run } from "./private-engine.js";
import { machineBusyMicros, type ScenarioResult } from "./scenario.js";

/**
 * What ghz calls and whose CPU time counts as the server's: a ragplane child, or any
 * process serving gRPC on loopback (an engine measured on its own).
 */
export type GhzServer = Pick<BenchChild, "name" | "port" | "headers" | "cpuMicros">;

/** A process whose CPU time a path counts apart from the server's. */
export interface CpuSource {
  readonly name: string;
  /** Its CPU time so far (user + system), in microseconds. */
  cpuMicros(): number | Promise<number>;
}

/** A path measured with ghz: one RPC on one server. */
export interface GhzPath {
  readonly name: string;
  readonly description: string;
  readonly server: GhzServer;
  readonly call: GhzCall;
  /**
   * The engine the server calls (Qdrant behind ragplane), when it runs on this machine:
   * its CPU time per call is reported apart (`engineCpuMicrosPerCall`), and is not
   * counted in other cores.
   */
  readonly engine?: CpuSource;
}

/** How the ghz rounds run, and where each side is pinned. */
export interface GhzRoundsOptions extends Pick<RoundsOptions, "rounds" | "concurrency"> {
  readonly measureMs: number;
  readonly warmupMs: number;
  /** ghz's path (see `ensureGhz`). */
  readonly ghz: string;
  /** The core ghz runs on; the servers run on the other (see `pinToCpu`). */
  readonly loadCpu: number;
}

/**
 * Warms every path up for `warmupMs`, which also sizes its measured runs (as many calls
 * as the warm-up's rate makes in `measureMs`), then runs `rounds` measured ghz runs of
 * each, interleaved (A, B, C, A, B, C…) so that drifting load on the machine hits every
 * path alike. Each run's
 * server CPU comes from the child's `/proc` stat, ghz's from its own; a run in which any
 * call did not end OK fails the benchmark, since ghz would count it as done.
 */
export async function runGhzRounds(
  paths: readonly GhzPath[],
  options: GhzRoundsOptions,
): Promise<PathResult[]> {
  const measure = (path: GhzPath, amount: GhzOptions["amount"]): Promise<GhzRun> =>
    runGhz(options.ghz, {
      address: `127.0.0.1:${path.server.port}`,
      call: path.call,
      metadata: path.server.headers,
      concurrency: options.concurrency,
      amount,
      cpu: options.loadCpu,
    });
  const calls = new Map<GhzPath, number>();
  for (const path of paths) {
    const warmup = await measure(path, { durationMs: options.warmupMs });
    const ok = warmup.statuses.OK ?? 0;
    if (ok < warmup.requests - options.concurrency) requireAllOk(path, warmup);
    const perSecond = (1000 * ok) / Math.max(1, warmup.elapsedMs);
    calls.set(
      path,
      Math.max(options.concurrency, Math.round((perSecond * options.measureMs) / 1000)),
    );
  }
  const states = paths.map((path) => ({
    path,
    recorder: new LatencyRecorder(options.rounds * Math.ceil(options.measureMs / 1000) * 30_000),
    rounds: [] as ScenarioResult[],
  }));
  for (let round = 1; round <= options.rounds; round++) {
    for (const state of states) {
      const engine = state.path.engine;
      const serverBefore = await state.path.server.cpuMicros();
      const engineBefore = await engine?.cpuMicros();
      const machineBefore = machineBusyMicros();
      const result = requireAllOk(
        state.path,
        await measure(state.path, { calls: calls.get(state.path) ?? options.concurrency }),
      );
      const machine = machineBusyMicros() - machineBefore;
      const server = (await state.path.server.cpuMicros()) - serverBefore;
      const engineMicros =
        engine === undefined || engineBefore === undefined
          ? undefined
          : (await engine.cpuMicros()) - engineBefore;
      for (const latency of result.latenciesMs) state.recorder.record(latency);
      const roundRecorder = new LatencyRecorder(result.latenciesMs.length);
      for (const latency of result.latenciesMs) roundRecorder.record(latency);
      const perCall = (micros: number) => (result.requests > 0 ? micros / result.requests : 0);
      const cores = (micros: number) => micros / (1000 * result.elapsedMs);
      state.rounds.push({
        name: state.path.name,
        description: `${state.path.description} (round ${round})`,
        concurrency: options.concurrency,
        requests: result.requests,
        elapsedMs: result.elapsedMs,
        throughput: (1000 * result.requests) / result.elapsedMs,
        latency: roundRecorder.summary(),
        serverCpuMicrosPerCall: perCall(server),
        serverCores: cores(server),
        clientCpuMicrosPerCall: perCall(result.cpuMicros),
        clientCores: cores(result.cpuMicros),
        ...(engineMicros === undefined
          ? {}
          : { engineCpuMicrosPerCall: perCall(engineMicros), engineCores: cores(engineMicros) }),
        otherCores: Math.max(0, cores(machine - server - (engineMicros ?? 0) - result.cpuMicros)),
      });
    }
  }
  return states.map(({ path, recorder, rounds }) => summarize(path, recorder, rounds, options));
}

/** Pins every thread of a process to one core (`taskset -a -p`). */
export async function pinToCpu(pid: number, cpu: number): Promise<void> {
  const code = await run("taskset", ["-a", "-p", "-c", String(cpu), String(pid)], {}, "ignore");
  if (code !== 0) throw new Error(`taskset could not pin pid ${pid} to cpu ${cpu}`);
}

function requireAllOk(path: GhzPath, result: GhzRun): GhzRun {
  const failed = Object.entries(result.statuses).filter(([status]) => status !== "OK");
  if (failed.length > 0 || result.requests === 0) {
    throw new Error(
      `${path.name}: ghz saw ${JSON.stringify(result.statuses)} in ${result.requests} calls; a measured run must be all OK`,
    );
  }
  return result;
}
