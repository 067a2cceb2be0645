import type { Cleanup } from "./cleanup.js";
import { provideRealEngines } from "./load/engines.js";

/** Where a benchmark measures: on the embedded engines, or on real ones. */
export type EngineKind = "embedded" | "real";

/**
 * The engine sets of `--engines embedded|real|both` (the only argument; default both).
 * Throws naming the argument otherwise.
 */
export function enginesArgument(args: readonly string[]): readonly EngineKind[] {
  const [flag, value, ...rest] = args;
  if ((flag !== undefined && flag !== "--engines") || rest.length > 0) {
    throw new Error(`unknown arguments: ${args.join(" ")} (only --engines embedded|real|both)`);
  }
  const choice = value ?? "both";
  if (choice !== "embedded" && choice !== "real" && choice !== "both") {
    throw new Error(`--engines ${choice}: expected embedded, real or both`);
  }
  return choice === "both" ? ["embedded", "real"] : [choice];
}

/** The engines a server of one set gets. */
export interface EngineSet {
  /** The engine variables of the server (none: embedded). */
  readonly env: Readonly<Record<string, string>>;
  /** The real engines' processes (none when embedded or taken from the environment). */
  readonly pids: readonly number[];
  /** Which engines, for the report. */
  readonly names: string;
}

/**
 * The engines of `kind`: in process for `embedded`; for `real`, those the environment
 * names or else ones started for the run (pinned to `cpu`, stopped by `cleanup`). Resolves
 * with the reason instead when real engines cannot be started, so the run goes on without them.
 */
export async function engineSet(
  kind: EngineKind,
  cpu: number,
  cleanup: Cleanup,
): Promise<EngineSet | { readonly skipped: string }> {
  if (kind === "embedded") return { env: {}, pids: [], names: "SQLite and usearch, in process" };
  try {
    const real = await provideRealEngines(process.env, cpu, cleanup);
    const source = real.source === "started" ? "started for the run" : "from the environment";
    return { env: real.env, pids: real.pids, names: `${real.real.join(", ")} (${source})` };
  } catch (error) {
    return { skipped: `the real engines could not be started (${String(error)})` };
  }
}
