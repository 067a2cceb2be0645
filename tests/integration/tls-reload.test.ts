import { X509Certificate } from "node:crypto";
import { once } from "node:events";
import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { connect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CertFiles,
  generateTestCerts,
  issueServerCertificate,
  type TestCerts,
} from "../support/certs.js";
import { captureLog } from "../support/log-capture.js";
import { startTestServer, type TestServer } from "../support/server.js";

let certs: TestCerts;
let rotated: CertFiles;
let server: TestServer;
let certFile: string;
let keyFile: string;
const { destination: capture, lines } = captureLog();

beforeAll(async () => {
  certs = await generateTestCerts();
  rotated = await issueServerCertificate(certs.dir, certs.ca, "rotated-server");
  certFile = join(certs.dir, "live.crt");
  keyFile = join(certs.dir, "live.key");
  await copyFile(certs.server.certFile, certFile);
  await copyFile(certs.server.keyFile, keyFile);
  server = await startTestServer(
    {
      TLS_CERT_FILE: certFile,
      TLS_KEY_FILE: keyFile,
      TLS_RELOAD_INTERVAL_MS: "50",
      LOG_LEVEL: "info",
    },
    { ca: certs.ca.cert },
    { logDestination: capture },
  );
});
afterAll(async () => {
  await server?.close();
  await certs?.remove();
});

/** The fingerprint of the certificate a new TLS handshake with `port` is shown. */
async function servedFingerprint(port: number): Promise<string> {
  const socket = connect({
    host: "127.0.0.1",
    port,
    ca: certs.ca.cert,
    servername: "localhost",
    ALPNProtocols: ["h2"],
  });
  await once(socket, "secureConnect");
  const fingerprint = socket.getPeerCertificate().fingerprint256;
  socket.destroy();
  return fingerprint;
}

const fingerprintOf = (files: CertFiles) => new X509Certificate(files.cert).fingerprint256;

async function eventually(check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("TLS certificates are reloaded when their files change", () => {
  it("new handshakes on both ports get the new certificate, without a restart", async () => {
    const { grpcPort, httpPort } = server.ports;
    expect(await servedFingerprint(grpcPort)).toBe(fingerprintOf(certs.server));
    expect(await servedFingerprint(httpPort)).toBe(fingerprintOf(certs.server));

    await writeFile(keyFile, rotated.key);
    await writeFile(certFile, rotated.cert);
    await eventually(async () => (await servedFingerprint(httpPort)) === fingerprintOf(rotated));
    await eventually(async () => (await servedFingerprint(grpcPort)) === fingerprintOf(rotated));
    expect(lines.some((line) => line.includes("TLS certificate reloaded"))).toBe(true);
  });

  it("keeps the current certificate when the new files do not load, and says so once", async () => {
    const refusals = () => lines.filter((line) => line.includes("do not load"));
    const before = refusals().length;
    await writeFile(keyFile, certs.server.key);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { grpcPort, httpPort } = server.ports;
    expect(await servedFingerprint(httpPort)).toBe(fingerprintOf(rotated));
    expect(await servedFingerprint(grpcPort)).toBe(fingerprintOf(rotated));
    const warnings = refusals().slice(before);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("TLS_KEY_FILE");
    expect(warnings[0]).not.toContain("PRIVATE KEY");
  });
});
