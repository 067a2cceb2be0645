import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/config.js";

describe("loadConfig", () => {
  it("defaults to loopback, the documented ports and ./data", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: "127.0.0.1",
      grpcPort: 50051,
      httpPort: 8080,
      logLevel: "info",
      reflection: true,
      production: false,
    });
    expect(config.dataDir).toMatch(/\/data$/);
  });

  it("names every bad variable at once", () => {
    let error: unknown;
    try {
      loadConfig({ GRPC_PORT: "70000", LOG_LEVEL: "loud", GRPC_REFLECTION: "maybe" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    expect(problems).toContain("GRPC_PORT");
    expect(problems).toContain("LOG_LEVEL");
    expect(problems).toContain("GRPC_REFLECTION");
  });

  it("reads the HTTP/2 connection limits, none on age and idle time by default", () => {
    expect(loadConfig({}).connections).toEqual({
      maxConcurrentStreams: 1_000,
      maxAgeMs: 0,
      maxAgeGraceMs: 0,
      maxIdleMs: 0,
      healthWatch: { maxOpen: 1_000, maxPerConnection: 8 },
      http: { headersTimeoutMs: 10_000, idleTimeoutMs: 60_000, maxConnectionsPerPeer: 256 },
      grpcMaxConnectionsPerPeer: 256,
      maxResetsPerSecond: 200,
    });
    const config = loadConfig({
      MAX_CONCURRENT_STREAMS: "200",
      GRPC_MAX_CONNECTION_AGE_MS: "1800000",
      GRPC_MAX_CONNECTION_AGE_GRACE_MS: "30000",
      GRPC_MAX_CONNECTION_IDLE_MS: "600000",
    });
    expect(config.connections).toEqual({
      maxConcurrentStreams: 200,
      maxAgeMs: 1_800_000,
      maxAgeGraceMs: 30_000,
      maxIdleMs: 600_000,
      healthWatch: { maxOpen: 1_000, maxPerConnection: 8 },
      http: { headersTimeoutMs: 10_000, idleTimeoutMs: 60_000, maxConnectionsPerPeer: 256 },
      grpcMaxConnectionsPerPeer: 256,
      maxResetsPerSecond: 200,
    });
    expect(() => loadConfig({ MAX_CONCURRENT_STREAMS: "0" })).toThrow(/MAX_CONCURRENT_STREAMS/);
  });

  it("refuses contradictions", () => {
    expect(() => loadConfig({ GRPC_PORT: "9000", HTTP_PORT: "9000" })).toThrow(/must differ/);
    expect(() => loadConfig({ READ_TIMEOUT_MS: "5000", MAX_READ_TIMEOUT_MS: "1000" })).toThrow(
      /READ_TIMEOUT_MS must not exceed MAX_READ_TIMEOUT_MS/,
    );
  });

  it("runs every capability embedded when no engine URL is set", () => {
    expect(loadConfig({}).engines).toEqual({});
  });

  it("reads the real engines' settings from their variables", () => {
    const { engines } = loadConfig({
      KAFKA_BROKERS: "127.0.0.1:9092, 127.0.0.1:9094",
      REDIS_URL: "redis://127.0.0.1:6379",
      NEO4J_URL: "bolt://127.0.0.1:7687",
      NEO4J_PASSWORD: "s3cret-value",
      QDRANT_URL: "http://127.0.0.1:6333",
    });
    expect(engines.kafka).toEqual({
      brokers: ["127.0.0.1:9092", "127.0.0.1:9094"],
      clientId: "ragplane",
      topicPrefix: "rp",
      idempotencyWindowMs: 86_400_000,
    });
    expect(engines.redis).toEqual({ url: "redis://127.0.0.1:6379" });
    expect(engines.neo4j).toMatchObject({ user: "neo4j", database: "neo4j", maxPoolSize: 50 });
    expect(engines.qdrant).toEqual({ url: "http://127.0.0.1:6333", timeoutMs: 10_000 });
  });

  it("refuses an engine URL without what it needs, without echoing secrets", () => {
    let message = "";
    try {
      loadConfig({
        NEO4J_URL: "bolt://127.0.0.1:7687",
        REDIS_URL: "http://:hunter2@x",
        KAFKA_BROKERS: "nope",
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("NEO4J_PASSWORD is required when NEO4J_URL is set");
    expect(message).toContain("REDIS_URL must be a URL starting with redis:// or rediss://");
    expect(message).toContain("KAFKA_BROKERS");
    expect(message).not.toContain("hunter2");
  });

  it("gives each RPC class its own default and maximum deadline", () => {
    expect(loadConfig({ WRITE_TIMEOUT_MS: "1234" }).deadlines).toEqual({
      read: { defaultMs: 10_000, maxMs: 60_000 },
      write: { defaultMs: 1_234, maxMs: 300_000 },
      stream: { maxMs: 86_400_000 },
    });
  });
});

describe("security settings", () => {
  it("turns on API keys and locally signed JWTs for development", () => {
    const { security } = loadConfig({});
    expect([...security.authMethods]).toEqual(["api-key", "jwt"]);
    expect(security.jwt).toMatchObject({
      useLocalKey: true,
      issuer: "ragplane-local",
      audience: "ragplane",
      tenantClaim: "tenant",
      scopesClaim: "scope",
      clockSkewS: 30,
    });
    expect(security.jwt?.algorithms).not.toContain("none");
    expect(security.tls).toBeUndefined();
    expect(security.corsOrigins).toEqual([]);
    expect(security.rateLimits.budgets.read).toEqual({ perTenant: 2_000, perPrincipal: 1_000 });
  });

  it("needs an issuer for external JWT keys and refuses unknown or keyless algorithms", () => {
    expect(() => loadConfig({ JWT_JWKS_URL: "https://idp.example.com/jwks" })).toThrow(
      /JWT_ISSUER is required/,
    );
    expect(() => loadConfig({ JWT_ALGORITHMS: "none" })).toThrow(/"none" is not an accepted/);
    expect(() => loadConfig({ JWT_ALGORITHMS: "HS256" })).toThrow(/HS256 needs JWT_HMAC_SECRET/);
    expect(() => loadConfig({ JWT_HMAC_SECRET: "short" })).toThrow(/at least 32 bytes/);
  });

  it("accepts only exact CORS origins", () => {
    expect(
      loadConfig({ CORS_ORIGINS: "https://app.example.com, http://localhost:5173" }).security
        .corsOrigins,
    ).toEqual(["https://app.example.com", "http://localhost:5173"]);
    for (const origin of [
      "*",
      "https://app.example.com/",
      "https://*.example.com",
      "app.example.com",
    ]) {
      expect(() => loadConfig({ CORS_ORIGINS: origin })).toThrow(/CORS_ORIGINS/);
    }
  });

  it("needs TLS files in pairs and a client CA for mTLS", () => {
    expect(() => loadConfig({ TLS_CERT_FILE: "/tls/cert.pem" })).toThrow(/must be set together/);
    expect(() => loadConfig({ AUTH_METHODS: "mtls", MTLS_PRINCIPALS_FILE: "/p.json" })).toThrow(
      /mtls needs TLS_CERT_FILE, TLS_KEY_FILE and TLS_CLIENT_CA_FILE/,
    );
    expect(() => loadConfig({ AUTH_METHODS: "api-key,passwords" })).toThrow(
      /unknown method "passwords"/,
    );
  });
});

describe("production refusals", () => {
  const production = {
    NODE_ENV: "production",
    AUTH_METHODS: "api-key",
    ENCRYPTION_KEY_FILE: "/etc/ragplane/keys/kek.json",
  };

  it("refuses to start without an authentication method", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/needs AUTH_METHODS/);
  });

  it("refuses a JWKS fetched over plain http", () => {
    expect(() =>
      loadConfig({
        NODE_ENV: "production",
        AUTH_METHODS: "jwt",
        JWT_JWKS_URL: "http://idp.example.com/jwks.json",
        JWT_ISSUER: "https://idp.example.com",
      }),
    ).toThrow(/JWT_JWKS_URL must be an https:\/\/ URL in production/);
  });

  it("refuses the development signing key", () => {
    expect(() => loadConfig({ NODE_ENV: "production", AUTH_METHODS: "jwt" })).toThrow(
      /local signing key is for development/,
    );
  });

  it("refuses placeholder and short secrets without printing them", () => {
    const bolt = { NEO4J_URL: "bolt://127.0.0.1:7687" };
    for (const password of [
      "changeme",
      "password",
      "neo4j",
      "<your-password>",
      "$" + "{NEO4J_PASSWORD}",
    ]) {
      expect(() => loadConfig({ ...production, ...bolt, NEO4J_PASSWORD: password })).toThrow(
        /NEO4J_PASSWORD is a placeholder/,
      );
    }
    let message = "";
    try {
      loadConfig({ ...production, REDIS_URL: "redis://:tiny7@127.0.0.1:6379" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("REDIS_URL's password is shorter than 16 bytes");
    expect(message).not.toContain("tiny7");
  });

  it("refuses a non-loopback bind without TLS unless a TLS proxy is declared", () => {
    expect(() => loadConfig({ ...production, HOST: "0.0.0.0" })).toThrow(
      /beyond loopback without TLS/,
    );
    expect(
      loadConfig({ ...production, HOST: "0.0.0.0", TLS_TERMINATED_BY_PROXY: "true" }).host,
    ).toBe("0.0.0.0");
    expect(loadConfig({ ...production, HOST: "::1" }).production).toBe(true);
  });

  it("starts with real secrets, API keys, loopback and an encrypted engine link", () => {
    const config = loadConfig({
      ...production,
      NEO4J_URL: "bolt+s://127.0.0.1:7687",
      NEO4J_PASSWORD: "b7Yx-22kq-Lm9P-0dfe",
    });
    expect([...config.security.authMethods]).toEqual(["api-key"]);
  });
});
