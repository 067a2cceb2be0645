import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../server/logger.js";

function capture(): { readonly stream: Writable; readonly lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  return { stream, lines };
}

describe("the logger and the engine links' secrets", () => {
  it("redacts the SASL block, a client key and the secrets' variables, at the top or one level down", () => {
    const { stream, lines } = capture();
    const logger = createLogger("info", stream);
    logger.info(
      {
        sasl: { mechanism: "scram-sha-512", username: "ragplane", password: "sasl-secret-1" },
        tls: { ca: "CA PEM", key: "-----BEGIN PRIVATE KEY----- key-secret-2" },
        env: { KAFKA_SASL_PASSWORD: "sasl-secret-3", REDIS_PASSWORD: "redis-secret-4" },
        kafka: { sasl: { password: "sasl-secret-5" }, tls: { key: "key-secret-6" } },
      },
      "engine links",
    );
    const line = lines.join("");
    expect(line).not.toMatch(/secret-\d/);
    expect(JSON.parse(line)).toMatchObject({
      sasl: "[redacted]",
      tls: { ca: "CA PEM", key: "[redacted]" },
      env: { KAFKA_SASL_PASSWORD: "[redacted]", REDIS_PASSWORD: "[redacted]" },
      kafka: { sasl: "[redacted]", tls: { key: "[redacted]" } },
    });
  });
});
