import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTls, TlsFileError } from "../../server/transports/tls.js";
import { generateTestCerts, type TestCerts } from "../support/certs.js";

let certs: TestCerts;
beforeAll(async () => {
  certs = await generateTestCerts();
});
afterAll(() => certs.remove());

async function failure(load: Promise<unknown>): Promise<TlsFileError> {
  const error = await load.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (error instanceof TlsFileError) return error;
  throw new Error(`expected a TlsFileError, got ${String(error)}`);
}

describe("loading the TLS files", () => {
  it("reads the certificate, the key and the client CA bundle", async () => {
    const tls = await loadTls({
      certFile: certs.server.certFile,
      keyFile: certs.server.keyFile,
      clientCaFile: certs.ca.certFile,
    });
    expect(tls.cert.equals(certs.server.cert)).toBe(true);
    expect(tls.key.equals(certs.server.key)).toBe(true);
    expect(tls.clientCa?.equals(certs.ca.cert)).toBe(true);
  });

  it("names the setting and the file that cannot be read", async () => {
    const missing = join(certs.dir, "missing.pem");
    const error = await failure(loadTls({ certFile: missing, keyFile: certs.server.keyFile }));
    expect(error.setting).toBe("TLS_CERT_FILE");
    expect(error.file).toBe(missing);
    expect(error.message).toMatch(/^TLS_CERT_FILE .*missing\.pem: cannot be read/);
  });

  it("refuses a key that does not belong to the certificate", async () => {
    const error = await failure(
      loadTls({ certFile: certs.server.certFile, keyFile: certs.cnClient.keyFile }),
    );
    expect(error.setting).toBe("TLS_KEY_FILE");
    expect(error.reason).toContain("is not the key of the first certificate");
  });

  it("refuses a file that holds no certificate, and a key file that holds no key", async () => {
    const garbage = join(certs.dir, "garbage.pem");
    await writeFile(garbage, "not a certificate");
    const noCert = await failure(loadTls({ certFile: garbage, keyFile: certs.server.keyFile }));
    expect(noCert.reason).toBe("holds no PEM certificate");
    const noKey = await failure(loadTls({ certFile: certs.server.certFile, keyFile: garbage }));
    expect(noKey.setting).toBe("TLS_KEY_FILE");
  });

  it("refuses a client CA bundle with a certificate that is not a CA", async () => {
    const error = await failure(
      loadTls({
        certFile: certs.server.certFile,
        keyFile: certs.server.keyFile,
        clientCaFile: certs.cnClient.certFile,
      }),
    );
    expect(error.setting).toBe("TLS_CLIENT_CA_FILE");
    expect(error.reason).toContain("is not a CA certificate");
  });
});
