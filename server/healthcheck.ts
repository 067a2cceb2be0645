import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/**
 * The container's health probe: GET `/readyz` on this process's own HTTP port over
 * loopback, with TLS when the server serves TLS (the server's certificate is for its
 * public name, so this loopback self-check does not verify it). Exits 0 when ready.
 */
function probe(): void {
  const port = Number(process.env.HTTP_PORT ?? 8080);
  const tls = process.env.TLS_CERT_FILE !== undefined && process.env.TLS_CERT_FILE !== "";
  const options = { host: "127.0.0.1", port, path: "/readyz", timeout: 2_000 };
  const request = tls
    ? httpsRequest({ ...options, rejectUnauthorized: false })
    : httpRequest(options);
  request.on("response", (response) => process.exit(response.statusCode === 200 ? 0 : 1));
  request.on("timeout", () => request.destroy());
  request.on("error", () => process.exit(1));
  request.end();
}

probe();
