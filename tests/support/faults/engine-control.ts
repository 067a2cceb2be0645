import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The engines that scripts/engines/start.sh runs and a test may kill and restart. */
export type ManagedEngine = "redis" | "kafka" | "neo4j" | "qdrant";

const repository = resolve(import.meta.dirname, "../../..");
const restartScript = join(repository, "scripts/engines/restart.sh");

/**
 * The run dir of the engines this test run may kill and restart, or undefined when it may
 * not. Tests that break engines need `RAGPLANE_ENGINE_FAULTS=1` (scripts/engines/test.sh
 * sets it: it started the engines and stops them afterwards) and `RAGPLANE_ENGINES_DIR`
 * (written into the run dir's `env` by start.sh), so engines someone else is using are
 * never touched by accident.
 */
export const faultRunDir: string | undefined =
  process.env.RAGPLANE_ENGINE_FAULTS === "1" && process.env.RAGPLANE_ENGINES_DIR
    ? process.env.RAGPLANE_ENGINES_DIR
    : undefined;

/** Why a fault suite is skipped, for its title. */
export const faultSkipReason =
  "skipped: it kills and restarts engines, so it runs only with RAGPLANE_ENGINE_FAULTS=1 and RAGPLANE_ENGINES_DIR (npm run test:engines sets both)";

function runDir(): string {
  if (faultRunDir === undefined) throw new Error(faultSkipReason);
  return faultRunDir;
}

/** The pid start.sh (or restart.sh) recorded for `engine`. */
export function enginePid(engine: ManagedEngine): number {
  const pid = Number(readFileSync(join(runDir(), engine, "pid"), "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no pid recorded for ${engine}`);
  return pid;
}

/** How {@link restartEngine} stops the engine. */
export interface RestartOptions {
  /** SIGKILL (a crash) instead of SIGTERM (a clean stop). Default false. */
  readonly kill?: boolean;
  /** How long the engine stays down before it starts again, in seconds. Default 0. */
  readonly downSeconds?: number;
}

/**
 * Stops `engine` and starts it again on the same run dir, port and data
 * (scripts/engines/restart.sh); resolves once it is ready again.
 */
export async function restartEngine(
  engine: ManagedEngine,
  options: RestartOptions = {},
): Promise<void> {
  const args = [restartScript, engine, "--down", String(options.downSeconds ?? 0)];
  if (options.kill) args.push("--kill");
  await run("bash", args, {
    env: { ...process.env, RAGPLANE_ENGINES_DIR: runDir() },
    timeout: 180_000,
  });
}

/**
 * Freezes `engine`'s process (SIGSTOP): its connections stay open and new ones are queued
 * by the kernel, but nothing is answered, as with a hung engine or a partition. Returns
 * the means to let it run again (SIGCONT), which is also sent if this process exits first.
 */
export function freezeEngine(engine: ManagedEngine): () => void {
  const pid = enginePid(engine);
  const thaw = () => {
    process.off("exit", thaw);
    try {
      process.kill(pid, "SIGCONT");
    } catch {
      // the engine is gone: nothing left to thaw
    }
  };
  process.on("exit", thaw);
  process.kill(pid, "SIGSTOP");
  return thaw;
}
