import { Redis } from "ioredis";
import type { Cleanup } from "../cleanup.js";
import { run, startPrivateEngine } from "../private-engine.js";

/** Where the Redis of the `full-redis` configuration comes from. */
export type RedisSource =
  | { readonly kind: "environment"; readonly url: string }
  | { readonly kind: "started"; readonly url: string; readonly pid: number }
  | { readonly kind: "missing"; readonly reason: string };

/** What Redis reports about itself. */
export interface RedisStats {
  readonly version: string;
  /** `total_commands_processed` since Redis started. */
  readonly commandsProcessed: number;
}

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
  const { variables, pid } = await startPrivateEngine("redis", ["REDIS_PORT"], cleanup);
  if (variables.REDIS_URL === undefined) throw new Error("start.sh redis exported no REDIS_URL");
  return { kind: "started", url: variables.REDIS_URL, pid };
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
