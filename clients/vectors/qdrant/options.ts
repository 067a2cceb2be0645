import type { EnginePolicy } from "../../resilience/engine-policy.js";

/** Options of {@link QdrantVectorStore.connect}. */
export interface QdrantVectorStoreOptions {
  /** Qdrant's REST endpoint, e.g. `http://127.0.0.1:6333`. Required. */
  readonly url: string;
  /** Sent as the `api-key` header; none by default. Use https with it. */
  readonly apiKey?: string;
  /** Longest time one HTTP request to Qdrant may take, in ms; default 10 000. */
  readonly timeoutMs?: number;
  /**
   * First part of every Qdrant collection this store creates or reads: 1 to 16 of
   * [A-Za-z0-9-]; default `rp`. Deployments (or test runs) sharing one Qdrant use
   * different prefixes and never see each other's collections.
   */
  readonly collectionPrefix?: string;
  /** Retries of an idempotent request after a transient failure; default 2. */
  readonly retries?: number;
  /** Pause before the first retry, doubled for each next one, in ms; default 100. */
  readonly retryDelayMs?: number;
  /** How long a collection's dimension and distance are reused, in ms; default 10 000; 0 disables. */
  readonly shapeCacheMs?: number;
  /** Most keep-alive connections to Qdrant; default 25 (the client's own default). */
  readonly maxConnections?: number;
  /**
   * The resilience policy of every request; default `qdrantPolicy` from `timeoutMs`,
   * `retries` and `retryDelayMs`.
   */
  readonly policy?: EnginePolicy;
  /** The clock that stamps each point's write time (ms since the epoch); `Date.now` by default. */
  readonly now?: () => number;
}

/** Options with every default applied, checked once. */
export interface QdrantSettings {
  readonly url: string;
  readonly apiKey: string | undefined;
  readonly timeoutMs: number;
  readonly collectionPrefix: string;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly shapeCacheMs: number;
  readonly maxConnections: number;
}

const prefixPattern = /^[A-Za-z0-9-]{1,16}$/;

/** Applies defaults and rejects contradictory or malformed options with a clear message. */
export function resolveOptions(options: QdrantVectorStoreOptions): QdrantSettings {
  const url = options.url;
  if (!/^https?:\/\/[^/]/.test(url)) {
    throw new Error(`qdrant url must start with http:// or https://, got "${url}"`);
  }
  const settings: QdrantSettings = {
    url: url.replace(/\/+$/, ""),
    apiKey: options.apiKey === "" ? undefined : options.apiKey,
    timeoutMs: options.timeoutMs ?? 10_000,
    collectionPrefix: options.collectionPrefix ?? "rp",
    retries: options.retries ?? 2,
    retryDelayMs: options.retryDelayMs ?? 100,
    shapeCacheMs: options.shapeCacheMs ?? 10_000,
    maxConnections: options.maxConnections ?? 25,
  };
  if (!prefixPattern.test(settings.collectionPrefix)) {
    throw new Error(`qdrant collectionPrefix must match ${prefixPattern}`);
  }
  requireInteger("timeoutMs", settings.timeoutMs, 1);
  requireInteger("retries", settings.retries, 0, 10);
  requireInteger("retryDelayMs", settings.retryDelayMs, 0);
  requireInteger("shapeCacheMs", settings.shapeCacheMs, 0);
  requireInteger("maxConnections", settings.maxConnections, 1);
  return settings;
}

function requireInteger(name: string, value: number, min: number, max = 2 ** 31 - 1): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`qdrant ${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}
