import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** `getconf CLK_TCK`: the unit of the times in `/proc/<pid>/stat` (100 on Linux). */
const clockTicksPerSecond = ticksPerSecond();

/**
 * CPU time (user + system) a process has used so far, every thread included, in
 * microseconds, from `/proc/<pid>/stat` (fields 14 and 15). Read from outside, so it
 * answers even while the process's event loop is blocked; its resolution is one clock
 * tick (10 ms).
 */
export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error(`cannot read the CPU time of pid ${pid}`);
  return (ticks * 1e6) / clockTicksPerSecond;
}

function ticksPerSecond(): number {
  try {
    const value = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}
