import { describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config.js";
import { probeTarget } from "../../server/health-probe.js";

describe("probeTarget", () => {
  it("probes the default loopback address and HTTP port, without TLS", () => {
    expect(probeTarget(loadConfig({}))).toEqual({ host: "127.0.0.1", port: 8080, tls: false });
  });

  it("probes the configured address and port", () => {
    const config = loadConfig({ HOST: "10.1.2.3", HTTP_PORT: "9090" });
    expect(probeTarget(config)).toEqual({ host: "10.1.2.3", port: 9090, tls: false });
  });

  it("probes loopback when the server listens on every interface", () => {
    expect(probeTarget(loadConfig({ HOST: "0.0.0.0" })).host).toBe("127.0.0.1");
    expect(probeTarget(loadConfig({ HOST: "::" })).host).toBe("::1");
    expect(probeTarget(loadConfig({ HOST: "[::]" })).host).toBe("::1");
  });

  it("reads an empty HTTP_PORT as unset, like the server", () => {
    expect(probeTarget(loadConfig({ HTTP_PORT: "" })).port).toBe(8080);
  });

  it("uses TLS when the server serves TLS", () => {
    const config = loadConfig({ TLS_CERT_FILE: "/tls/cert.pem", TLS_KEY_FILE: "/tls/key.pem" });
    expect(probeTarget(config).tls).toBe(true);
  });
});
