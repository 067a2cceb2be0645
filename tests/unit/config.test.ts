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

  it("refuses contradictions", () => {
    expect(() => loadConfig({ GRPC_PORT: "9000", HTTP_PORT: "9000" })).toThrow(/must differ/);
    expect(() =>
      loadConfig({ REQUEST_TIMEOUT_MS: "5000", MAX_REQUEST_TIMEOUT_MS: "1000" }),
    ).toThrow(/REQUEST_TIMEOUT_MS/);
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
});
