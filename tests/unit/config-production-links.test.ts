import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config.js";
import type { Env } from "../../server/env-reader.js";
import { generateTestCerts, type TestCerts } from "../support/certs.js";
import { configProblems } from "../support/config-problems.js";

let certs: TestCerts;
beforeAll(async () => {
  certs = await generateTestCerts();
});
afterAll(() => certs.remove());

/** Production with a key file, and a secure Redis that Kafka needs there (shared data keys). */
const production = {
  NODE_ENV: "production",
  AUTH_METHODS: "api-key",
  ENCRYPTION_KEY_FILE: "/etc/ragplane/keys/kek.json",
  REDIS_URL: "rediss://:a-long-redis-password@redis:6380",
};

/** The problems of a production start with `env`. */
const problemsOf = (env: Env) => configProblems({ ...production, ...env });

/** Every engine on a loopback host, over plaintext and without credentials where it can be. */
const insecure: Env = {
  KAFKA_BROKERS: "127.0.0.1:9092",
  REDIS_URL: "redis://127.0.0.1:6379",
  NEO4J_URL: "bolt://localhost:7687",
  NEO4J_PASSWORD: "a-long-neo4j-password",
  QDRANT_URL: "http://[::1]:6333",
};

const refusals = [
  "KAFKA_BROKERS: the link to Kafka is plaintext; set KAFKA_TLS=true (or ALLOW_INSECURE_ENGINES=true)",
  "KAFKA_BROKERS: ragplane does not authenticate to Kafka; set KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD, or KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE (or ALLOW_INSECURE_ENGINES=true)",
  "REDIS_URL: the link to Redis is plaintext; use a rediss:// URL (or ALLOW_INSECURE_ENGINES=true)",
  "REDIS_URL: ragplane connects to Redis without a password; set one in REDIS_URL or REDIS_PASSWORD (or ALLOW_INSECURE_ENGINES=true)",
  "NEO4J_URL: the link to Neo4j is plaintext; use bolt+s:// or neo4j+s://, or set NEO4J_TLS_CA_FILE (or ALLOW_INSECURE_ENGINES=true)",
  "QDRANT_URL: the link to Qdrant is plaintext; use an https:// URL (or ALLOW_INSECURE_ENGINES=true)",
  "QDRANT_URL: ragplane calls Qdrant without an API key; set QDRANT_API_KEY (or ALLOW_INSECURE_ENGINES=true)",
];

describe("production engine links", () => {
  it("refuses every plaintext or unauthenticated link on its own line, loopback hosts included", () => {
    expect(problemsOf(insecure)).toEqual(refusals);
  });

  it("starts on those links with ALLOW_INSECURE_ENGINES=true, and development never asks", () => {
    const config = loadConfig({ ...production, ...insecure, ALLOW_INSECURE_ENGINES: "true" });
    expect(config.allowInsecureEngines).toBe(true);
    expect(loadConfig(insecure).allowInsecureEngines).toBe(false);
  });

  it("still checks the secrets with ALLOW_INSECURE_ENGINES=true", () => {
    expect(
      problemsOf({
        ...insecure,
        ALLOW_INSECURE_ENGINES: "true",
        KAFKA_SASL_USERNAME: "ragplane",
        KAFKA_SASL_PASSWORD: "changeme",
        REDIS_PASSWORD: "short-one",
      }),
    ).toEqual([
      "KAFKA_SASL_PASSWORD is a placeholder; set a real secret",
      "REDIS_PASSWORD is shorter than 16 bytes",
    ]);
  });

  it("accepts Kafka over TLS with SASL, or with a client certificate instead", () => {
    const tls = { KAFKA_BROKERS: "kafka:9093", KAFKA_TLS: "true" };
    expect(
      problemsOf({
        ...tls,
        KAFKA_SASL_MECHANISM: "plain",
        KAFKA_SASL_USERNAME: "ragplane",
        KAFKA_SASL_PASSWORD: "a-long-sasl-password",
      }),
    ).toEqual([]);
    expect(
      problemsOf({
        ...tls,
        KAFKA_TLS_CA_FILE: certs.ca.certFile,
        KAFKA_TLS_CERT_FILE: certs.cnClient.certFile,
        KAFKA_TLS_KEY_FILE: certs.cnClient.keyFile,
      }),
    ).toEqual([]);
    expect(problemsOf(tls)).toEqual([refusals[1]]);
    expect(
      problemsOf({
        KAFKA_BROKERS: "kafka:9092",
        KAFKA_SASL_USERNAME: "ragplane",
        KAFKA_SASL_PASSWORD: "a-long-sasl-password",
      }),
    ).toEqual([refusals[0]]);
  });

  it("accepts Redis over rediss:// with the password in the URL or in REDIS_PASSWORD", () => {
    expect(problemsOf({ REDIS_URL: "rediss://:a-long-redis-password@redis:6380" })).toEqual([]);
    expect(
      problemsOf({
        REDIS_URL: "rediss://ragplane@redis:6380",
        REDIS_PASSWORD: "a-long-redis-password",
        REDIS_TLS_CA_FILE: certs.ca.certFile,
      }),
    ).toEqual([]);
    expect(problemsOf({ REDIS_URL: "rediss://redis:6380" })).toEqual([refusals[3]]);
    expect(problemsOf({ REDIS_URL: "redis://:a-long-redis-password@redis:6379" })).toEqual([
      refusals[2],
    ]);
  });

  it("accepts Neo4j over +s, +ssc, or a plain scheme with NEO4J_TLS_CA_FILE", () => {
    const password = { NEO4J_PASSWORD: "a-long-neo4j-password" };
    for (const url of ["bolt+s://db:7687", "neo4j+s://db", "bolt+ssc://db"]) {
      expect(problemsOf({ ...password, NEO4J_URL: url })).toEqual([]);
    }
    expect(
      problemsOf({ ...password, NEO4J_URL: "neo4j://db", NEO4J_TLS_CA_FILE: certs.ca.certFile }),
    ).toEqual([]);
  });

  it("accepts Qdrant over https with an API key, and refuses either without the other", () => {
    const apiKey = { QDRANT_API_KEY: "a-long-qdrant-api-key" };
    expect(problemsOf({ ...apiKey, QDRANT_URL: "https://qdrant:6333" })).toEqual([]);
    expect(problemsOf({ ...apiKey, QDRANT_URL: "http://qdrant:6333" })).toEqual([refusals[5]]);
    expect(problemsOf({ QDRANT_URL: "https://qdrant:6333" })).toEqual([refusals[6]]);
  });
});
