import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Cleanup } from "./cleanup.js";

const engineScripts = fileURLToPath(new URL("../scripts/engines/", import.meta.url));

/**
 * Starts one engine of `scripts/engines` for a benchmark alone: in a temporary run dir,
 * on free loopback ports (one per variable of `portVariables`), so it never touches an
 * engine someone else started; `cleanup` stops it and removes the dir. Returns the
 * variables the engine exported in its env file (`REDIS_URL`, …) and its pid.
 */
export async function startPrivateEngine(
  engine: string,
  portVariables: readonly string[],
  cleanup: Cleanup,
): Promise<{ readonly variables: Record<string, string>; readonly pid: number }> {
  const runDir = await mkdtemp(join(tmpdir(), `ragplane-bench-${engine}-`));
  cleanup.add(`remove ${runDir}`, () => rm(runDir, { recursive: true, force: true }));
  const env: Record<string, string> = { RAGPLANE_ENGINES_DIR: runDir };
  for (const variable of portVariables) env[variable] = String(await freePort());
  cleanup.add(`stop the benchmark's ${engine}`, () => engineScript("stop.sh", engine, env));
  await engineScript("start.sh", engine, env);
  const exported: Record<string, string> = {};
  for (const match of (await readFile(join(runDir, "env"), "utf8")).matchAll(
    /^export ([A-Z_]+)=(\S+)$/gm,
  )) {
    exported[match[1]!] = match[2]!;
  }
  const pid = Number(await readFile(join(runDir, engine, "pid"), "utf8"));
  return { variables: exported, pid };
}

/** Runs a command and resolves with its exit code. */
export function run(
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  output: "inherit" | "ignore",
): Promise<number> {
  const sink = output === "inherit" ? process.stderr : "ignore";
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", sink, sink],
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}

async function engineScript(
  name: string,
  engine: string,
  env: Readonly<Record<string, string>>,
): Promise<void> {
  const code = await run("bash", [join(engineScripts, name), engine], env, "inherit");
  if (code !== 0) throw new Error(`scripts/engines/${name} ${engine} exited with ${code}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
