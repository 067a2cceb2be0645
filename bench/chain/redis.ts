import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import type { Cleanup } from "../cleanup.js";

/** Where the Redis of the `full-redis` configuration comes from. */
export type RedisSource =
  | { readonly kind: "environment"; readonly url: string }
  | { readonly kind: "started"; readonly url: string }
  | { readonly kind: "missing"; readonly reason: string };

/** What Redis reports about itself. */
export interface RedisStats {
  readonly version: string;
  /** `total_commands_processed` since Redis started. */
  readonly commandsProcessed: number;
}

const engineScripts = fileURLToPath(new URL("../../scripts/engines/", import.meta.url));

/**
 * The Redis to run against: `url` when given; otherwise a private `redis-server` started
 * with `scripts/engines/start.sh redis` in a temporary run dir on a free loopback port
 * (so it never touches a Redis someone else started), stopped and removed by `cleanup`.
 * Without `redis-server` on the PATH nothing is installed: the source is `missing`.
 */
export async function provideRedis(
  url: string | undefined,
  cleanup: Cleanup,
): Promise<RedisSource> {
  if (url !== undefined) return { kind: "environment", url };
  if ((await run("bash", ["-c", "command -v redis-server"], {}, "ignore")) !== 0) {
    return { kind: "missing", reason: "REDIS_URL is not set and no redis-server is on the PATH" };
  }
  const runDir = await mkdtemp(join(tmpdir(), "ragplane-bench-redis-"));
  cleanup.add(`remove ${runDir}`, () => rm(runDir, { recursive: true, force: true }));
  const env = { RAGPLANE_ENGINES_DIR: runDir, REDIS_PORT: String(await freePort()) };
  cleanup.add("stop the benchmark's Redis", () => engineScript("stop.sh", env));
  await engineScript("start.sh", env);
  const started = /^export REDIS_URL=(\S+)$/m.exec(await readFile(join(runDir, "env"), "utf8"));
  if (started?.[1] === undefined) throw new Error(`start.sh wrote no REDIS_URL into ${runDir}/env`);
  return { kind: "started", url: started[1] };
}

/** Asks Redis for its version and how many commands it has processed. */
export async function redisStats(url: string): Promise<RedisStats> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const info = await client.info();
    const field = (name: string): string =>
      new RegExp(`^${name}:(\\S+)`, "m").exec(info)?.[1] ?? "unknown";
    return {
      version: field("redis_version"),
      commandsProcessed: Number(field("total_commands_processed")),
    };
  } finally {
    client.disconnect();
  }
}

async function engineScript(name: string, env: Readonly<Record<string, string>>): Promise<void> {
  const code = await run("bash", [join(engineScripts, name), "redis"], env, "inherit");
  if (code !== 0) throw new Error(`scripts/engines/${name} redis exited with ${code}`);
}

function run(
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
