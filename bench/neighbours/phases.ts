import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { LatencyRecorder, type LatencySummary } from "../latency.js";
import { machineBusyMicros } from "../scenario.js";
import { noisyKindNames } from "./kinds.js";
import type { KindTally, LoadResult } from "./load-messages.js";
import type { LoadProcess } from "./load-process.js";
import type { NeighboursOptions } from "./options.js";
import { processCpuMicros } from "./proc-cpu.js";

/** What one kind of call (or several pooled) measured in a phase. */
export interface CallFigures {
  readonly name: string;
  /** Calls that ended, whatever their status. */
  readonly calls: number;
  /** Calls per gRPC status name. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Percentiles of the OK calls' latencies, in µs. */
  readonly latency: LatencySummary;
}

/** One tenant's calls in a phase. */
export interface TenantFigures {
  readonly kinds: readonly CallFigures[];
  /** Every kind pooled. */
  readonly all: CallFigures;
  /** The quiet tenant's longest start behind schedule, in ms (0 for closed loops). */
  readonly maxStartLagMs: number;
  /** The quiet tenant's calls that started late (see `lateStartMs`; 0 for closed loops). */
  readonly lateStarts: number;
}

/** One measured phase. */
export interface PhaseResult {
  /** `quiet-before`, `alone-ShortestPath`, …, `noisy`, `quiet-after`. */
  readonly name: string;
  readonly description: string;
  readonly wallMs: number;
  readonly quiet?: TenantFigures;
  readonly noisy?: TenantFigures;
  /** CPU the server process used over the phase (every thread), from `/proc/<pid>/stat`. */
  readonly serverCpuMicros: number;
  /** Server CPU over every call that ended in the phase, both tenants. */
  readonly serverCpuMicrosPerCall: number;
  /** Server CPU over wall time: near 1.0 the server's core was saturated. */
  readonly serverCores: number;
  /** The load processes' and this process's CPU over wall time. */
  readonly loadCores: number;
  /** What the rest of the machine used meanwhile, in cores: near 0 on a quiet machine. */
  readonly otherCores: number;
}

/** The processes a run drives. */
export interface PhaseActors {
  readonly serverPid: number;
  readonly noisy: LoadProcess;
  readonly quiet: LoadProcess;
}

/**
 * Runs the phases in order: an un-measured warm-up of both tenants together; the quiet
 * tenant alone; each noisy loop alone in turn; the quiet tenant beside all three noisy
 * loops (started `rampMs` before its window and stopped after it); the quiet tenant alone
 * again. `log` is told as each phase starts.
 */
export async function runPhases(
  actors: PhaseActors,
  options: NeighboursOptions,
  log: (message: string) => void,
): Promise<PhaseResult[]> {
  const { noisy, quiet } = actors;
  const { phases, quietRate, noisyConcurrency } = options;
  const measure = async (
    name: string,
    description: string,
    work: () => Promise<{ quiet?: LoadResult; noisy?: LoadResult }>,
  ): Promise<PhaseResult> => {
    log(`${name}: ${description}`);
    const before = cpuSample(actors);
    const started = performance.now();
    const results = await work();
    const wallMs = performance.now() - started;
    const after = cpuSample(actors);
    const serverCpuMicros = after.server - before.server;
    const loadCpuMicros = after.load - before.load;
    const otherMicros = after.machine - before.machine - serverCpuMicros - loadCpuMicros;
    const quietFigures = results.quiet && tenantFigures(results.quiet, "all cheap calls");
    const noisyFigures = results.noisy && tenantFigures(results.noisy, "all expensive calls");
    const calls = (quietFigures?.all.calls ?? 0) + (noisyFigures?.all.calls ?? 0);
    return {
      name,
      description,
      wallMs,
      ...(quietFigures === undefined ? {} : { quiet: quietFigures }),
      ...(noisyFigures === undefined ? {} : { noisy: noisyFigures }),
      serverCpuMicros,
      serverCpuMicrosPerCall: calls > 0 ? serverCpuMicros / calls : Number.NaN,
      serverCores: serverCpuMicros / (1000 * wallMs),
      loadCores: loadCpuMicros / (1000 * wallMs),
      otherCores: Math.max(0, otherMicros / (1000 * wallMs)),
    };
  };
  const quietAlone = (durationMs: number) => async () => ({
    quiet: await quiet.schedule(quietRate, durationMs),
  });
  const side = async (
    kinds: readonly string[],
    during: () => Promise<LoadResult | undefined>,
  ): Promise<{ quiet?: LoadResult; noisy: LoadResult }> => {
    await noisy.startLoops(kinds, noisyConcurrency);
    const quietResult = await during().catch(async (error: unknown) => {
      await noisy.stopLoops().catch(() => undefined);
      throw error;
    });
    const noisyResult = await noisy.stopLoops();
    return { noisy: noisyResult, ...(quietResult === undefined ? {} : { quiet: quietResult }) };
  };

  log(`warm-up: both tenants for ${phases.warmupMs / 1000} s`);
  await side(noisyKindNames, () => quiet.schedule(quietRate, phases.warmupMs));
  const results = [
    await measure(
      "quiet-before",
      `tenant B's cheap calls alone, ${phases.baselineMs / 1000} s`,
      quietAlone(phases.baselineMs),
    ),
  ];
  for (const kind of noisyKindNames) {
    results.push(
      await measure(
        `alone-${kind}`,
        `tenant A's ${kind} loop alone, ${phases.soloMs / 1000} s`,
        () =>
          side([kind], async () => {
            await sleep(phases.soloMs);
            return undefined;
          }),
      ),
    );
  }
  results.push(
    await measure(
      "noisy",
      `tenant B's cheap calls for ${phases.noisyMs / 1000} s beside tenant A's three loops`,
      () =>
        side(noisyKindNames, async () => {
          await sleep(phases.rampMs);
          return await quiet.schedule(quietRate, phases.noisyMs);
        }),
    ),
  );
  results.push(
    await measure(
      "quiet-after",
      `tenant B's cheap calls alone again, ${phases.baselineMs / 2000} s`,
      quietAlone(phases.baselineMs / 2),
    ),
  );
  return results;
}

/** CPU used so far, in µs: by the server, by the load side (the load processes and this one), by the whole machine. */
function cpuSample(actors: PhaseActors): { server: number; load: number; machine: number } {
  const own = process.cpuUsage();
  return {
    server: processCpuMicros(actors.serverPid),
    load:
      own.user +
      own.system +
      processCpuMicros(actors.noisy.pid) +
      processCpuMicros(actors.quiet.pid),
    machine: machineBusyMicros(),
  };
}

function tenantFigures(result: LoadResult, pooledName: string): TenantFigures {
  return {
    kinds: result.kinds.map((kind) => callFigures(kind.name, [kind])),
    all: callFigures(pooledName, result.kinds),
    maxStartLagMs: result.maxStartLagMs,
    lateStarts: result.lateStarts,
  };
}

function callFigures(name: string, tallies: readonly KindTally[]): CallFigures {
  const statuses: Record<string, number> = {};
  let okCalls = 0;
  for (const tally of tallies) {
    for (const [status, count] of Object.entries(tally.statuses)) {
      statuses[status] = (statuses[status] ?? 0) + count;
    }
    okCalls += tally.okLatenciesMs.length;
  }
  const recorder = new LatencyRecorder(okCalls);
  for (const tally of tallies) for (const latency of tally.okLatenciesMs) recorder.record(latency);
  return {
    name,
    calls: tallies.reduce((total, tally) => total + tally.calls, 0),
    statuses,
    latency: recorder.summary(),
  };
}
