import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { processCpuMicros } from "../neighbours/proc-cpu.js";

/** The processes whose CPU time is counted apart. */
export interface CpuActors {
  readonly server: number;
  /** The Node load process; ghz and this process are counted too (see {@link cpuSample}). */
  readonly load: readonly number[];
  /** Engines this run started (none when embedded or named by the environment). */
  readonly engines: readonly number[];
}

/** CPU counters at one moment, in µs. */
export interface CpuSample {
  readonly server: number;
  /** The server's threads, grouped by name and nice value. */
  readonly serverThreads: ReadonlyMap<string, ThreadGroup>;
  readonly load: number;
  readonly engines: number;
  /** Busy time (user + nice + system + irq) of each core. */
  readonly cores: readonly number[];
}

/** Threads of one name and nice value, and their CPU time so far. */
export interface ThreadGroup {
  /** The thread name (`/proc/<pid>/task/<tid>/comm`), e.g. `MainThread`, `WorkerThread`. */
  readonly name: string;
  readonly nice: number;
  readonly threads: number;
  readonly micros: number;
}

/** A group of the server's threads and its share of the CPU between two samples. */
export interface ThreadCores {
  readonly name: string;
  readonly nice: number;
  readonly threads: number;
  /** CPU time over wall time. */
  readonly cores: number;
}

/** Where the CPU went between two samples. */
export interface CpuFigures {
  /** The server's CPU time, every thread, in µs. */
  readonly serverMicros: number;
  /** Server CPU over every call that ended. */
  readonly serverMicrosPerCall: number;
  /** Each side's CPU over wall time: near 1.0, a core's worth. */
  readonly serverCores: number;
  /** The server's CPU by thread group, busiest first. */
  readonly serverThreads: readonly ThreadCores[];
  readonly loadCores: number;
  readonly engineCores: number;
  /** The rest of the machine, over wall time: near 0 on a quiet machine. */
  readonly otherCores: number;
  /** Busy time of each core over wall time. */
  readonly coreBusy: readonly number[];
}

/** `sysconf(_SC_CLK_TCK)`: the unit of the times in `/proc/<pid>/stat` (100 on Linux). */
const clockTicksPerSecond = 100;

/**
 * CPU time so far of the server (every thread, from `/proc/<pid>/stat`), of the load side
 * (the Node load process, this process, and the ghz processes it has waited for), of the
 * engines, and every core's busy time.
 */
export function cpuSample(actors: CpuActors): CpuSample {
  const sum = (pids: readonly number[]) =>
    pids.reduce((total, pid) => total + processCpuMicros(pid), 0);
  return {
    server: processCpuMicros(actors.server),
    serverThreads: threadGroups(actors.server),
    load: ownMicros() + sum(actors.load),
    engines: sum(actors.engines),
    cores: cpus().map(({ times }) => 1000 * (times.user + times.nice + times.sys + times.irq)),
  };
}

/** Where the CPU went from `before` to `after`, over `wallMs` and `calls` calls. */
export function cpuFigures(
  before: CpuSample,
  after: CpuSample,
  wallMs: number,
  calls: number,
): CpuFigures {
  const wallMicros = 1000 * wallMs;
  const serverMicros = after.server - before.server;
  const load = after.load - before.load;
  const engines = after.engines - before.engines;
  const coreBusy = after.cores.map((busy, i) => (busy - (before.cores[i] ?? 0)) / wallMicros);
  const machine = coreBusy.reduce((total, busy) => total + busy, 0);
  return {
    serverMicros,
    serverMicrosPerCall: calls > 0 ? serverMicros / calls : Number.NaN,
    serverCores: serverMicros / wallMicros,
    serverThreads: [...after.serverThreads.values()]
      .map((group) => ({
        name: group.name,
        nice: group.nice,
        threads: group.threads,
        cores: (group.micros - (before.serverThreads.get(key(group))?.micros ?? 0)) / wallMicros,
      }))
      .sort((a, b) => b.cores - a.cores),
    loadCores: load / wallMicros,
    engineCores: engines / wallMicros,
    otherCores: Math.max(0, machine - (serverMicros + load + engines) / wallMicros),
    coreBusy,
  };
}

/**
 * The threads of `pid` grouped by name and nice value, with their CPU time (user +
 * system) from `/proc/<pid>/task/<tid>/stat`; threads that end between the directory
 * listing and the read are left out.
 */
function threadGroups(pid: number): Map<string, ThreadGroup> {
  const groups = new Map<string, ThreadGroup>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    let name: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const micros = ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicksPerSecond;
    const nice = Number(fields[16]);
    const group = { name, nice, threads: 0, micros: 0 };
    const known = groups.get(key(group)) ?? group;
    groups.set(key(group), { ...known, threads: known.threads + 1, micros: known.micros + micros });
  }
  return groups;
}

function key(group: { readonly name: string; readonly nice: number }): string {
  return `${group.name}/${group.nice}`;
}

/** This process's CPU time and its waited-for children's, in µs. */
function ownMicros(): number {
  const own = process.cpuUsage();
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const childTicks = Number(fields[13]) + Number(fields[14]);
  return own.user + own.system + (childTicks * 1e6) / clockTicksPerSecond;
}
