import type { Logger } from "pino";
import { EngineUnavailableError } from "../clients/errors.js";
import type { EngineHealth } from "../clients/health.js";

/** What every engine adapter offers besides its port's operations. */
export interface Engine {
  health(): Promise<EngineHealth>;
  close(): Promise<void>;
}

/** Options of {@link connectInBackground}. */
export interface DeferredEngineOptions {
  /** Engine name for logs and errors, e.g. `neo4j`. */
  readonly name: string;
  /** Where connection failures are reported. */
  readonly logger?: Logger;
  /** First retry delay; doubles up to `maxDelayMs`. Default 500 ms. */
  readonly initialDelayMs?: number;
  /** Longest delay between attempts. Default 30 s. */
  readonly maxDelayMs?: number;
}

/** An engine that may still be connecting. */
export interface DeferredEngine<T> {
  /** Stands in for the adapter: fails fast with UNAVAILABLE until connected. */
  readonly engine: T;
  /** Resolves with the adapter once connected (never rejects; attempts go on). */
  readonly ready: Promise<T>;
}

/**
 * Connects to a real engine without holding up the server: until the connection
 * succeeds, every operation fails fast with UNAVAILABLE and `health()` says not ready
 * (so `/readyz` and gRPC health show exactly which service is degraded), while
 * attempts continue with exponential backoff. Once connected, calls go straight to
 * the adapter.
 */
export function connectInBackground<T extends Engine>(
  connect: () => Promise<T>,
  options: DeferredEngineOptions,
): DeferredEngine<T> {
  const { name, logger } = options;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  let delayMs = options.initialDelayMs ?? 500;
  let engine: T | undefined;
  let lastError = "connecting";
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let resolveReady: (engine: T) => void = () => undefined;
  const ready = new Promise<T>((resolve) => {
    resolveReady = resolve;
  });

  const attempt = async (): Promise<void> => {
    try {
      const connected = await connect();
      if (closed) {
        await connected.close();
        return;
      }
      engine = connected;
      resolveReady(connected);
      logger?.info({ engine: name }, "engine connected");
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      logger?.warn({ engine: name, retryInMs: delayMs, err: error }, "engine not reachable yet");
      if (closed) return;
      timer = setTimeout(() => void attempt(), delayMs);
      timer.unref();
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    }
  };
  void attempt();

  const unavailable = (): never => {
    throw new EngineUnavailableError(name, { cause: new Error(lastError) });
  };
  const proxy = new Proxy({} as T, {
    get(_target, property) {
      if (property === "health") {
        return () =>
          engine?.health() ?? Promise.resolve({ ok: false, detail: `${name}: ${lastError}` });
      }
      if (property === "close") {
        return async () => {
          closed = true;
          clearTimeout(timer);
          await engine?.close();
        };
      }
      if (engine === undefined) return unavailable;
      const value: unknown = Reflect.get(engine, property);
      return typeof value === "function" ? value.bind(engine) : value;
    },
  });
  return { engine: proxy, ready };
}
