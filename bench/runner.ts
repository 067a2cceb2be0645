import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type BenchChild, killChildrenOnExit } from "./children.js";
import { Cleanup } from "./cleanup.js";
import { loadAverage } from "./machine.js";

/** What every benchmark run shares: when it began, what to undo, the children it started. */
export interface BenchRun {
  /** `performance.now()` when the run began. */
  readonly began: number;
  /** ISO 8601 start time. */
  readonly date: string;
  /** One-minute load average when the run began. */
  readonly loadAtStart: number;
  /** Undo steps, run however the run ends. */
  readonly cleanup: Cleanup;
  /** Children started; killed if the process exits or is interrupted before cleanup. */
  readonly children: BenchChild[];
  /** A new temporary directory, removed at cleanup. */
  temporaryDir(prefix: string): Promise<string>;
}

/**
 * Runs one benchmark's body with the plumbing every runner needs: start time and load,
 * cleanup however it ends (children killed first on SIGINT, SIGTERM and exit), and a
 * failure printed as `bench:<name> failed: …` with exit code 1.
 */
export function runBench(name: string, body: (run: BenchRun) => Promise<void>): void {
  const cleanup = new Cleanup();
  const children: BenchChild[] = [];
  const killChildren = killChildrenOnExit(children, cleanup);
  const run: BenchRun = {
    began: performance.now(),
    date: new Date().toISOString(),
    loadAtStart: loadAverage(),
    cleanup,
    children,
    temporaryDir: async (prefix) => {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
      return dir;
    },
  };
  const finish = async (): Promise<void> => {
    try {
      await body(run);
    } finally {
      await cleanup.run();
      killChildren();
    }
  };
  finish().catch((error: unknown) => {
    process.stderr.write(
      `bench:${name} failed: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}

/** A logger writing `bench:<name>: <message>` lines to stderr. */
export function benchLog(name: string): (message: string) => void {
  return (message) => {
    process.stderr.write(`bench:${name}: ${message}\n`);
  };
}
