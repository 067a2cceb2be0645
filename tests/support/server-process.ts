import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { ListeningPorts } from "../../server/build.js";
import { sharedKeyFile } from "./key-file.js";

const root = resolve(import.meta.dirname, "../..");

/** ragplane running as its own process, started as `npm start` starts it. */
export interface ServerProcess {
  readonly pid: number;
  readonly ports: ListeningPorts;
  /** The JSON log lines it has written so far. */
  readonly logLines: readonly Record<string, unknown>[];
  /** SIGTERM, then SIGKILL after 10 s; removes its data directory unless told to keep it. */
  stop(options?: { readonly keepDataDir?: boolean }): Promise<void>;
}

/**
 * Starts `server/main.ts` (through tsx, as `npm start` does) on loopback with free ports
 * and a temporary DATA_DIR, plus `env`, and resolves once it logs that it listens. On a
 * shared Redis it uses the engines' shared key file, as every test server does.
 */
export async function startServerProcess(
  env: Readonly<Record<string, string>>,
  timeoutMs = 30_000,
): Promise<ServerProcess> {
  const dataDir = env.DATA_DIR ?? (await mkdtemp(join(tmpdir(), "ragplane-process-")));
  const withRedis = (env.REDIS_URL ?? process.env.REDIS_URL) !== undefined;
  const keyFile =
    withRedis && env.ENCRYPTION_KEY_FILE === undefined && !process.env.ENCRYPTION_KEY_FILE
      ? { ENCRYPTION_KEY_FILE: await sharedKeyFile() }
      : {};
  const child = spawn(join(root, "node_modules/.bin/tsx"), ["server/main.ts"], {
    cwd: root,
    env: {
      ...process.env,
      ...keyFile,
      HOST: "127.0.0.1",
      GRPC_PORT: "0",
      HTTP_PORT: "0",
      METRICS_PORT: "0",
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logLines: Record<string, unknown>[] = [];
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const ports = new Promise<ListeningPorts>((resolvePorts, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not listen within ${timeoutMs} ms: ${stderr}`)),
      timeoutMs,
    );
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (!line.startsWith("{")) return;
      const entry = JSON.parse(line) as Record<string, unknown>;
      logLines.push(entry);
      if (entry.msg === "ragplane listening") {
        clearTimeout(timer);
        resolvePorts(entry as unknown as ListeningPorts);
      }
    });
  });
  const stop = async (options: { readonly keepDataDir?: boolean } = {}): Promise<void> => {
    await stopChild(child);
    if (!options.keepDataDir) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const listening = await ports;
    return {
      pid: child.pid!,
      ports: {
        grpcPort: listening.grpcPort,
        httpPort: listening.httpPort,
        ...(listening.metricsPort === undefined ? {} : { metricsPort: listening.metricsPort }),
      },
      logLines,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
