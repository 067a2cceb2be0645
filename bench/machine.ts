import { execFileSync } from "node:child_process";
import { cpus, loadavg, release, totalmem } from "node:os";

/** Where a benchmark ran. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
  /** Short commit hash, with `-dirty` when the work tree has changes; `unknown` outside git. */
  readonly commit: string;
}

/** Describes this machine and checkout. */
export function machineInfo(): MachineInfo {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? "unknown",
    cores: processors.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${process.platform} ${release()} ${process.arch}`,
    commit: commit(),
  };
}

function commit(): string {
  try {
    const git = (...args: string[]): string =>
      execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain") ? "-dirty" : ""}`;
  } catch {
    return "unknown";
  }
}

/** The one-minute load average: other work on the machine skews every figure. */
export function loadAverage(): number {
  return loadavg()[0] ?? 0;
}

/**
 * The report lines on where a run happened: the machine, Node and commit, and the load
 * average before and after, followed by `loadNote` (a warning when the machine was busy).
 */
export function machineLines(
  machine: MachineInfo,
  load: { readonly start: number; readonly end: number },
  loadNote = "",
): string[] {
  return [
    `- Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB; ${machine.os}`,
    `- Node ${machine.node}; commit ${machine.commit}`,
    `- Load average (1 min) before the run: ${load.start.toFixed(2)}; at its end ` +
      `(including the run itself): ${load.end.toFixed(2)}${loadNote}`,
  ];
}
