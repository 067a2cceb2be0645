import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { loadConfig } from "./config.js";
import { type ProbeTarget, probeTarget } from "./health-probe.js";

/**
 * The container's health probe: GET `/readyz` on this process's own HTTP port (see
 * {@link probeTarget}), with TLS when the server serves TLS (the server's certificate is
 * for its public name, so this self-check does not verify it). Exits 0 when ready, 1
 * otherwise, including when the configuration does not load.
 */
function probe(): void {
  let target: ProbeTarget;
  try {
    target = probeTarget(loadConfig());
  } catch {
    process.exit(1);
  }
  const options = { host: target.host, port: target.port, path: "/readyz", timeout: 2_000 };
  const request = target.tls
    ? httpsRequest({ ...options, rejectUnauthorized: false })
    : httpRequest(options);
  request.on("response", (response) => process.exit(response.statusCode === 200 ? 0 : 1));
  request.on("timeout", () => request.destroy());
  request.on("error", () => process.exit(1));
  request.end();
}

probe();
