import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config.js";
import { configProblems } from "../support/config-problems.js";

const production = { NODE_ENV: "production", AUTH_METHODS: "api-key" };
const noKeyFile =
  "NODE_ENV=production needs ENCRYPTION_KEY_FILE: the key-encryption key file (create it with npx ragplane keys init <file>, mode 0600, and mount it as a secret); production never generates keys";
const kafkaWithoutRedis =
  "KAFKA_BROKERS in production needs REDIS_URL: the replicas must share the data keys that encrypt events (and the events idempotency index)";

describe("encryption at rest configuration", () => {
  it("defaults to a key file under DATA_DIR made on first start, everything sealed, 5 s of key cache", () => {
    const config = loadConfig({ DATA_DIR: "/var/lib/rp" });
    expect(config.encryption).toEqual({
      keyFile: join("/var/lib/rp", "keys", "kek.json"),
      createKeyFile: true,
      atRest: true,
      keyCacheMs: 5_000,
    });
  });

  it("takes ENCRYPTION_KEY_FILE, ENCRYPTION_AT_REST and ENCRYPTION_KEY_CACHE_MS", () => {
    const config = loadConfig({
      ENCRYPTION_KEY_FILE: "/etc/keys/kek.json",
      ENCRYPTION_AT_REST: "false",
      ENCRYPTION_KEY_CACHE_MS: "0",
    });
    expect(config.encryption).toEqual({
      keyFile: "/etc/keys/kek.json",
      createKeyFile: false,
      atRest: false,
      keyCacheMs: 0,
    });
    expect(configProblems({ ENCRYPTION_KEY_CACHE_MS: "300001" })).toEqual([
      expect.stringContaining("ENCRYPTION_KEY_CACHE_MS"),
    ]);
  });

  it("refuses production without a key file: no key is generated there", () => {
    expect(configProblems(production)).toEqual([noKeyFile]);
    expect(configProblems({ ...production, ENCRYPTION_KEY_FILE: "/etc/keys/kek.json" })).toEqual(
      [],
    );
  });

  it("refuses Kafka without Redis in production: replicas must share their data keys", () => {
    const kafka = {
      ...production,
      ENCRYPTION_KEY_FILE: "/etc/keys/kek.json",
      KAFKA_BROKERS: "kafka:9092",
      ALLOW_INSECURE_ENGINES: "true",
    };
    expect(configProblems(kafka)).toEqual([kafkaWithoutRedis]);
    expect(
      configProblems({ ...kafka, REDIS_URL: "redis://:a-long-redis-password@redis:6379" }),
    ).toEqual([]);
    expect(configProblems({ KAFKA_BROKERS: "kafka:9092" })).toEqual([]);
  });
});
