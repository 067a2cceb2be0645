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
});
