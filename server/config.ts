import { isAbsolute, resolve } from "node:path";

/** Log levels accepted by `LOG_LEVEL`. */
export const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** A log level name. */
export type LogLevel = (typeof logLevels)[number];

/** The server's whole configuration, validated once at start. */
export interface Config {
  /** `NODE_ENV=production`: stricter checks at start. Default false. */
  readonly production: boolean;
  /** `HOST`: address both ports bind to. Default `127.0.0.1` (loopback only). */
  readonly host: string;
  /** `GRPC_PORT`: the grpc-js port. Default 50051; 0 picks a free port. */
  readonly grpcPort: number;
  /** `HTTP_PORT`: the Connect / gRPC-Web / health / metrics port. Default 8080. */
  readonly httpPort: number;
  /** `DATA_DIR`: where embedded engines keep their state. Default `./data`. */
  readonly dataDir: string;
  /** `LOG_LEVEL`: pino level. Default `info`. */
  readonly logLevel: LogLevel;
  /** `GRPC_REFLECTION`: serve gRPC reflection. Default true. */
  readonly reflection: boolean;
  /** Deadlines, in milliseconds. */
  readonly deadlines: {
    /** `REQUEST_TIMEOUT_MS`: for unary/client-streaming calls without one. Default 30 000. */
    readonly defaultTimeoutMs: number;
    /** `MAX_REQUEST_TIMEOUT_MS`: cap for unary/client-streaming calls. Default 300 000. */
    readonly maxTimeoutMs: number;
    /** `MAX_STREAM_TIMEOUT_MS`: cap for server streams (Subscribe). Default 86 400 000. */
    readonly maxStreamTimeoutMs: number;
  };
  /** `SHUTDOWN_GRACE_MS`: how long in-flight calls may finish on SIGTERM. Default 10 000. */
  readonly shutdownGraceMs: number;
  /** `READINESS_INTERVAL_MS`: how often engines are probed for readiness. Default 5 000. */
  readonly readinessIntervalMs: number;
}

/** A configuration that cannot be used; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates the configuration from the environment. This is the only place
 * that reads `process.env`; every problem is reported at once.
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);
  const config: Config = {
    production: env.NODE_ENV === "production",
    host: read.text("HOST", "127.0.0.1"),
    grpcPort: read.integer("GRPC_PORT", 50051, 0, 65535),
    httpPort: read.integer("HTTP_PORT", 8080, 0, 65535),
    dataDir: absolute(read.text("DATA_DIR", "./data")),
    logLevel: read.oneOf("LOG_LEVEL", "info", logLevels),
    reflection: read.boolean("GRPC_REFLECTION", true),
    deadlines: {
      defaultTimeoutMs: read.integer("REQUEST_TIMEOUT_MS", 30_000, 1, 3_600_000),
      maxTimeoutMs: read.integer("MAX_REQUEST_TIMEOUT_MS", 300_000, 1, 3_600_000),
      maxStreamTimeoutMs: read.integer("MAX_STREAM_TIMEOUT_MS", 86_400_000, 1, 604_800_000),
    },
    shutdownGraceMs: read.integer("SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
    readinessIntervalMs: read.integer("READINESS_INTERVAL_MS", 5_000, 100, 600_000),
  };
  if (config.deadlines.defaultTimeoutMs > config.deadlines.maxTimeoutMs) {
    problems.push("REQUEST_TIMEOUT_MS must not exceed MAX_REQUEST_TIMEOUT_MS");
  }
  if (config.grpcPort !== 0 && config.grpcPort === config.httpPort) {
    problems.push("GRPC_PORT and HTTP_PORT must differ");
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(process.cwd(), path);
}

class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  private raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  }

  text(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      this.problems.push(
        `${name}=${JSON.stringify(value)} must be an integer from ${min} to ${max}`,
      );
      return fallback;
    }
    return parsed;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === "true" || value === "1") return true;
    if (value === "false" || value === "0") return false;
    this.problems.push(`${name}=${JSON.stringify(value)} must be true or false`);
    return fallback;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name}=${JSON.stringify(value)} must be one of ${allowed.join(", ")}`);
    return fallback;
  }
}
