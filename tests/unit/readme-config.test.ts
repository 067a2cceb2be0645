import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { type Config, ConfigError, loadConfig } from "../../server/config.js";
import type { Env } from "../../server/env-reader.js";
import { secretVariables } from "../../server/secret-files.js";
import { configProblems } from "../support/config-problems.js";

const root = resolve(import.meta.dirname, "../..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const securityDoc = readFileSync(join(root, "docs/security.md"), "utf8");

/** A default as the README states it: a value, "unset", or "—" (required). */
type Documented = { kind: "value"; text: string } | { kind: "unset" } | { kind: "required" };

/** The lines of a `## heading` section, up to the next `## ` heading. */
function section(markdown: string, heading: string): string[] {
  const lines = markdown.split("\n");
  const start = lines.indexOf(`## ${heading}`);
  if (start === -1) throw new Error(`README has no "## ${heading}" section`);
  const end = lines.findIndex((line, index) => index > start && line.startsWith("## "));
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

/** `RATE_LIMIT_{READ,WRITE}_PER_TENANT` → one name per alternative, in order. */
function expandBraces(name: string): string[] {
  const match = /^(.*)\{([^}]+)\}(.*)$/.exec(name);
  if (match === null) return [name];
  const [, before = "", alternatives = "", after = ""] = match;
  return alternatives
    .split(",")
    .flatMap((alternative) => expandBraces(before + alternative + after));
}

function parseDocumented(name: string, part: string): Documented {
  const value = /^`([^`]*)`/.exec(part);
  if (value?.[1] !== undefined) return { kind: "value", text: value[1] };
  if (/^unset\b/.test(part)) return { kind: "unset" };
  if (part.startsWith("—")) return { kind: "required" };
  throw new Error(`README: cannot read the default of ${name} from ${JSON.stringify(part)}`);
}

/**
 * Every variable in the Configuration tables with its documented default. A row may name
 * several variables (`A` / `B`, or a `{X,Y}` group); its default cell then holds one
 * default per name (`1` / `2`, or `1`, `2`) or one default for all.
 */
function readmeTables(): Map<string, Documented> {
  const variables = new Map<string, Documented>();
  for (const line of section(readme, "Configuration")) {
    if (!line.startsWith("|")) continue;
    const [names = "", defaults = ""] = line
      .split("|")
      .slice(1, -1)
      .map((cell) => cell.trim());
    const found = [...names.matchAll(/`([^`]+)`/g)].flatMap((match) => expandBraces(match[1]!));
    if (found.length === 0) continue;
    const split = found.length > 1 ? defaults.split(/\s+\/\s+|,\s+(?=`)/) : [defaults];
    if (split.length !== 1 && split.length !== found.length)
      throw new Error(`README: ${found.length} variables but ${split.length} defaults: ${line}`);
    found.forEach((name, index) => {
      variables.set(name, parseDocumented(name, (split[index] ?? split[0]!).trim()));
    });
  }
  if (variables.size === 0) throw new Error("README: no variables in the Configuration tables");
  return variables;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(join(root, directory), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => join(directory, file));
}

/**
 * Variables named in source text: `process.env.X` anywhere in the server's code, and, in
 * the files that read an `Env` (through `EnvReader` or `env.X` / `env[name]`), the name
 * literals: first arguments of `read.<method>(…)`, `NAME_WITH_UNDERSCORES` literals and
 * `env.X`. Names built from templates are left to {@link namesLoadConfigReads}.
 */
function namesInSource(directories: readonly string[]): Set<string> {
  const names = new Set<string>();
  const add = (text: string, pattern: RegExp): void => {
    for (const match of text.matchAll(pattern)) names.add((match[1] ?? match[2])!);
  };
  for (const file of directories.flatMap(sourceFiles)) {
    const text = readFileSync(join(root, file), "utf8");
    add(text, /process\.env(?:\.([A-Z][A-Z0-9_]*)|\[\s*"([A-Z][A-Z0-9_]*)"\s*\])/g);
    if (!/\bEnvReader\b|\benv\[|\benv\.[A-Z]/.test(text)) continue;
    add(text, /\bread\.\w+\(\s*"([A-Z][A-Z0-9_]*)"/g);
    add(text, /"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"/g);
    add(text, /\benv\.([A-Z][A-Z0-9_]*)/g);
  }
  return names;
}

/** The switches that open every branch of `loadConfig`: engines, mTLS, JWT, production. */
const everyBranch: Env = {
  NODE_ENV: "production",
  AUTH_METHODS: "api-key,jwt,mtls",
  KAFKA_BROKERS: "127.0.0.1:9092",
  REDIS_URL: "redis://127.0.0.1:6379",
  NEO4J_URL: "bolt://127.0.0.1:7687",
  QDRANT_URL: "http://127.0.0.1:6333",
};

/** Every name `loadConfig` looks up, recorded through a Proxy over the environment. */
function namesLoadConfigReads(): Set<string> {
  const names = new Set<string>();
  for (const env of [{}, everyBranch]) {
    const recording = new Proxy(env, {
      get(target, key) {
        if (typeof key === "string") names.add(key);
        return Reflect.get(target, key);
      },
    });
    try {
      loadConfig(recording);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
    }
  }
  return names;
}

const serverDirectories = ["server", "interceptors", "security", "clients"];
const inSource = namesInSource(serverDirectories);
const loaded = namesLoadConfigReads();
const readByServer = new Set([...inSource, ...loaded]);
const documented = readmeTables();

const missingFrom = (names: Iterable<string>, set: ReadonlySet<string>): string[] =>
  [...new Set(names)].filter((name) => !set.has(name)).sort();

const joined = (values: Iterable<string>): string | undefined => {
  const text = [...values].join(",");
  return text === "" ? undefined : text;
};
const shown = (value: string | number | boolean | undefined): string | undefined =>
  value === undefined ? undefined : String(value);

const kafka: Env = { KAFKA_BROKERS: "127.0.0.1:9092" };
const neo4j: Env = { NEO4J_URL: "bolt://127.0.0.1:7687", NEO4J_PASSWORD: "s3cret-value" };
const qdrant: Env = { QDRANT_URL: "http://127.0.0.1:6333" };
const kafkaSasl: Env = { ...kafka, KAFKA_SASL_USERNAME: "ragplane", KAFKA_SASL_PASSWORD: "p" };
const redis: Env = { REDIS_URL: "redis://127.0.0.1:6379" };
const rediss: Env = { REDIS_URL: "rediss://127.0.0.1:6380" };
const otlp: Env = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" };

/** How to see a variable's effective default: load `env` (default `{}`), then read `value`. */
interface DefaultProbe {
  readonly env?: Env;
  readonly value: (config: Config) => string | undefined;
}

const budgetDefaults = Object.fromEntries(
  (["read", "write", "stream"] as const).flatMap((budget) =>
    (["Tenant", "Principal"] as const).map((per): [string, DefaultProbe] => [
      `RATE_LIMIT_${budget.toUpperCase()}_PER_${per.toUpperCase()}`,
      { value: (c) => shown(c.security.rateLimits.budgets[budget][`per${per}`]) },
    ]),
  ),
);

/** Every `NAME_FILE` variant of a secret: unset unless the operator names a file. */
const secretFileDefaults = Object.fromEntries(
  secretVariables.map((name): [string, DefaultProbe] => [
    `${name}_FILE`,
    { value: () => undefined },
  ]),
);

const effectiveDefaults: Readonly<Record<string, DefaultProbe>> = {
  ...secretFileDefaults,
  NODE_ENV: { value: (c) => (c.production ? "production" : undefined) },
  HOST: { value: (c) => c.host },
  GRPC_PORT: { value: (c) => shown(c.grpcPort) },
  HTTP_PORT: { value: (c) => shown(c.httpPort) },
  DATA_DIR: { value: (c) => `./${relative(process.cwd(), c.dataDir)}` },
  LOG_LEVEL: { value: (c) => c.logLevel },
  GRPC_REFLECTION: { value: (c) => shown(c.reflection) },
  MAX_CONCURRENT_STREAMS: { value: (c) => shown(c.connections.maxConcurrentStreams) },
  GRPC_MAX_CONNECTION_AGE_MS: { value: (c) => shown(c.connections.maxAgeMs) },
  GRPC_MAX_CONNECTION_AGE_GRACE_MS: { value: (c) => shown(c.connections.maxAgeGraceMs) },
  GRPC_MAX_CONNECTION_IDLE_MS: { value: (c) => shown(c.connections.maxIdleMs) },
  HEALTH_WATCH_MAX: { value: (c) => shown(c.connections.healthWatch.maxOpen) },
  GRPC_MAX_CONNECTIONS_PER_PEER: {
    value: (c) => shown(c.connections.grpcMaxConnectionsPerPeer),
  },
  EXPENSIVE_CALLS_PER_TENANT: { value: (c) => shown(c.security.expensiveCallsPerTenant) },
  ENGINE_BREAKER_FAILURES: { value: (c) => shown(c.resilience.breakerFailures) },
  ENGINE_BREAKER_OPEN_MS: { value: (c) => shown(c.resilience.breakerOpenMs) },
  ENGINE_MAX_IN_FLIGHT: { value: (c) => shown(c.resilience.maxInFlight) },
  ENGINE_MAX_QUEUED: { value: (c) => shown(c.resilience.maxQueued) },
  GRAPH_READER_NICE: { value: (c) => shown(c.graphReaderNice) },
  GRAPH_READER_THREADS: { value: (c) => shown(c.graphReaderThreads) },
  INGESTION_BATCH_EVENTS: { value: (c) => shown(c.ingestion.batchEvents) },
  INGESTION_PROJECTOR: { value: (c) => shown(c.ingestion.projector) },
  RETENTION_SWEEPER: { value: (c) => shown(c.retention.sweeper) },
  RETENTION_SWEEP_INTERVAL_MS: { value: (c) => shown(c.retention.sweepIntervalMs) },
  AUDIT_RETENTION: { value: (c) => shown(c.retention.auditRetentionMs) },
  ENCRYPTION_KEY_FILE: {
    value: (c) => (c.encryption.createKeyFile ? undefined : c.encryption.keyFile),
  },
  ENCRYPTION_AT_REST: { value: (c) => shown(c.encryption.atRest) },
  ENCRYPTION_KEY_CACHE_MS: { value: (c) => shown(c.encryption.keyCacheMs) },
  QUOTA_COLLECTIONS: { value: (c) => shown(c.quotas.defaults.collections) },
  QUOTA_POINTS: { value: (c) => shown(c.quotas.defaults.points) },
  QUOTA_STORED_BYTES: { value: (c) => shown(c.quotas.defaults.stored_bytes) },
  QUOTA_TOPICS: { value: (c) => shown(c.quotas.defaults.topics) },
  QUOTA_PARTITIONS: { value: (c) => shown(c.quotas.defaults.partitions) },
  QUOTA_NODES: { value: (c) => shown(c.quotas.defaults.nodes) },
  QUOTA_RELATIONSHIPS: { value: (c) => shown(c.quotas.defaults.relationships) },
  QUOTAS_FILE: { value: (c) => (c.quotas.tenants.size === 0 ? undefined : "set") },
  QUOTA_USAGE_MAX_AGE_MS: { value: (c) => shown(c.quotas.usageMaxAgeMs) },
  HTTP_HEADERS_TIMEOUT_MS: { value: (c) => shown(c.connections.http.headersTimeoutMs) },
  HTTP_IDLE_TIMEOUT_MS: { value: (c) => shown(c.connections.http.idleTimeoutMs) },
  HTTP2_MAX_RESETS_PER_SECOND: { value: (c) => shown(c.connections.maxResetsPerSecond) },
  HTTP_MAX_CONNECTIONS_PER_PEER: {
    value: (c) => shown(c.connections.http.maxConnectionsPerPeer),
  },
  HEALTH_WATCH_MAX_PER_CONNECTION: {
    value: (c) => shown(c.connections.healthWatch.maxPerConnection),
  },
  READ_TIMEOUT_MS: { value: (c) => shown(c.deadlines.read.defaultMs) },
  MAX_READ_TIMEOUT_MS: { value: (c) => shown(c.deadlines.read.maxMs) },
  WRITE_TIMEOUT_MS: { value: (c) => shown(c.deadlines.write.defaultMs) },
  MAX_WRITE_TIMEOUT_MS: { value: (c) => shown(c.deadlines.write.maxMs) },
  MAX_STREAM_TIMEOUT_MS: { value: (c) => shown(c.deadlines.stream.maxMs) },
  SHUTDOWN_GRACE_MS: { value: (c) => shown(c.shutdownGraceMs) },
  READINESS_INTERVAL_MS: { value: (c) => shown(c.readinessIntervalMs) },
  KAFKA_BROKERS: { value: (c) => joined(c.engines.kafka?.brokers ?? []) },
  KAFKA_CLIENT_ID: { env: kafka, value: (c) => c.engines.kafka?.clientId },
  KAFKA_TOPIC_PREFIX: { env: kafka, value: (c) => c.engines.kafka?.topicPrefix },
  EVENTS_IDEMPOTENCY_WINDOW_MS: {
    env: kafka,
    value: (c) => shown(c.engines.kafka?.idempotencyWindowMs),
  },
  KAFKA_TLS: { env: kafka, value: (c) => shown(c.engines.kafka?.tls !== undefined) },
  KAFKA_TLS_CA_FILE: { env: kafka, value: (c) => c.engines.kafka?.tls?.ca },
  KAFKA_TLS_CERT_FILE: { env: kafka, value: (c) => c.engines.kafka?.tls?.cert },
  KAFKA_TLS_KEY_FILE: { env: kafka, value: (c) => c.engines.kafka?.tls?.key },
  KAFKA_SASL_MECHANISM: { env: kafkaSasl, value: (c) => c.engines.kafka?.sasl?.mechanism },
  KAFKA_SASL_USERNAME: { env: kafka, value: (c) => c.engines.kafka?.sasl?.username },
  KAFKA_SASL_PASSWORD: { env: kafka, value: (c) => c.engines.kafka?.sasl?.password },
  REDIS_URL: { value: (c) => c.engines.redis?.url },
  REDIS_PASSWORD: { env: redis, value: (c) => c.engines.redis?.password },
  REDIS_TLS_CA_FILE: { env: rediss, value: (c) => c.engines.redis?.tls?.ca },
  REDIS_TLS_CERT_FILE: { env: rediss, value: (c) => c.engines.redis?.tls?.cert },
  REDIS_TLS_KEY_FILE: { env: rediss, value: (c) => c.engines.redis?.tls?.key },
  NEO4J_TLS_CA_FILE: { env: neo4j, value: (c) => c.engines.neo4j?.trustedCertificates?.[0] },
  ALLOW_INSECURE_ENGINES: { value: (c) => shown(c.allowInsecureEngines) },
  NEO4J_URL: { value: (c) => c.engines.neo4j?.url },
  NEO4J_USER: { env: neo4j, value: (c) => c.engines.neo4j?.user },
  NEO4J_DATABASE: { env: neo4j, value: (c) => c.engines.neo4j?.database },
  NEO4J_MAX_POOL_SIZE: { env: neo4j, value: (c) => shown(c.engines.neo4j?.maxPoolSize) },
  QDRANT_URL: { value: (c) => c.engines.qdrant?.url },
  QDRANT_API_KEY: { env: qdrant, value: (c) => c.engines.qdrant?.apiKey },
  QDRANT_TIMEOUT_MS: { env: qdrant, value: (c) => shown(c.engines.qdrant?.timeoutMs) },
  AUTH_METHODS: { value: (c) => joined(c.security.authMethods) },
  BOOTSTRAP_ADMIN_KEY: { value: (c) => c.security.bootstrapAdminKey },
  ADMIN_TENANT: { value: (c) => c.security.adminTenant },
  TLS_CERT_FILE: { value: (c) => c.security.tls?.certFile },
  TLS_KEY_FILE: { value: (c) => c.security.tls?.keyFile },
  TLS_CLIENT_CA_FILE: { value: (c) => c.security.tls?.clientCaFile },
  TLS_RELOAD_INTERVAL_MS: {
    env: { TLS_CERT_FILE: "tls.crt", TLS_KEY_FILE: "tls.key" },
    value: (c) => shown(c.security.tls?.reloadIntervalMs),
  },
  TLS_TERMINATED_BY_PROXY: { value: (c) => shown(c.security.tlsTerminatedByProxy) },
  JWT_JWKS_URL: { value: (c) => c.security.jwt?.jwksUrl },
  JWT_JWKS_FILE: { value: (c) => c.security.jwt?.jwksFile },
  JWT_HMAC_SECRET: { value: (c) => c.security.jwt?.hmacSecret },
  JWT_ISSUER: { value: (c) => c.security.jwt?.issuer },
  JWT_AUDIENCE: { value: (c) => c.security.jwt?.audience },
  JWT_ALGORITHMS: { value: (c) => joined(c.security.jwt?.algorithms ?? []) },
  JWT_TENANT_CLAIM: { value: (c) => c.security.jwt?.tenantClaim },
  JWT_SCOPES_CLAIM: { value: (c) => c.security.jwt?.scopesClaim },
  JWT_CLOCK_SKEW_S: { value: (c) => shown(c.security.jwt?.clockSkewS) },
  JWT_MAX_LIFETIME_S: { value: (c) => shown(c.security.jwt?.maxLifetimeS) },
  REVOCATION_REFRESH_MS: { value: (c) => shown(c.security.revocationRefreshMs) },
  RATE_LIMIT_WINDOW_MS: { value: (c) => shown(c.security.rateLimits.windowMs) },
  RATE_LIMIT_REFUSED_PER_CALLER: { value: (c) => shown(c.security.rateLimits.refusedPerCaller) },
  ...budgetDefaults,
  STREAMS_MAX_PER_PRINCIPAL: { value: (c) => shown(c.security.streamLimits.maxPerPrincipal) },
  STREAMS_MAX_PER_TENANT: { value: (c) => shown(c.security.streamLimits.maxPerTenant) },
  CORS_ORIGINS: { value: (c) => joined(c.security.corsOrigins) },
  METRICS_ENABLED: { value: (c) => shown(c.metrics !== undefined) },
  METRICS_HOST: { value: (c) => c.metrics?.host },
  METRICS_PORT: { value: (c) => shown(c.metrics?.port) },
  HEALTH_PROBE_PORT: { value: (c) => shown(c.connections.healthProbe?.port) },
  HEALTH_PROBE_HOST: {
    env: { HEALTH_PROBE_PORT: "0" },
    value: (c) => c.connections.healthProbe?.host,
  },
  OTEL_EXPORTER_OTLP_ENDPOINT: { value: (c) => c.tracing?.endpoint },
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: { value: (c) => c.tracing?.endpoint },
  OTEL_SERVICE_NAME: { env: otlp, value: (c) => c.tracing?.serviceName },
  OTEL_SDK_DISABLED: { env: otlp, value: (c) => (c.tracing === undefined ? "true" : "false") },
  OTEL_TRACES_EXPORTER: { env: otlp, value: (c) => (c.tracing === undefined ? "none" : "otlp") },
};

/** For variables documented as required ("—"): an environment that requires them. */
const requiredWith: Readonly<Record<string, Env>> = {
  NEO4J_PASSWORD: { NEO4J_URL: "bolt://127.0.0.1:7687" },
  MTLS_PRINCIPALS_FILE: { AUTH_METHODS: "mtls" },
};

describe("README configuration tables", () => {
  it("reach every variable the source names when probing loadConfig", () => {
    expect([...loaded]).toEqual(
      expect.arrayContaining(["NODE_ENV", "GRPC_PORT", "RATE_LIMIT_STREAM_PER_PRINCIPAL"]),
    );
    expect(missingFrom(inSource, loaded)).toEqual([]);
  });

  it("list every environment variable the server reads", () => {
    expect(missingFrom(readByServer, new Set(documented.keys()))).toEqual([]);
  });

  it("list no variable the server does not read", () => {
    expect(missingFrom(documented.keys(), readByServer)).toEqual([]);
  });

  it("name in the Security section and docs/security.md only variables the server, the CLI or Node reads", () => {
    const readByCli = namesInSource(["cli"]);
    const readByNode = ["NODE_EXTRA_CA_CERTS"];
    const prose = [...section(readme, "Security"), securityDoc].join("\n");
    const named = [...prose.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?:=[^`]*)?`/g)].map(
      (match) => match[1]!,
    );
    expect(named.length).toBeGreaterThan(0);
    expect(missingFrom(named, new Set([...readByServer, ...readByCli, ...readByNode]))).toEqual([]);
  });

  describe.each([...documented])("%s", (name, stated) => {
    if (stated.kind === "required") {
      it("is required where the README says so", () => {
        const env = requiredWith[name];
        expect(env, `add ${name} to requiredWith in this test`).toBeDefined();
        expect(configProblems(env ?? {})).toContainEqual(
          expect.stringMatching(new RegExp(`^${name} is required`)),
        );
      });
      return;
    }
    it(`has the default loadConfig gives when unset: ${stated.kind === "value" ? stated.text : "unset"}`, () => {
      const probe = effectiveDefaults[name];
      expect(probe, `add ${name} to effectiveDefaults in this test`).toBeDefined();
      const config = loadConfig(probe?.env ?? {});
      const actual = probe?.value(config);
      expect(actual).toBe(stated.kind === "value" ? stated.text : undefined);
    });
  });
});
