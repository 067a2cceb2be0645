import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A PEM key pair on disk and in memory. */
export interface CertFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** The SPIFFE id of {@link TestCerts.spiffeClient}, mapped in the principals file. */
export const indexerSpiffeId = "spiffe://example.org/ns/prod/sa/indexer";

/** Everything a TLS test needs, generated fresh with the `openssl` CLI. */
export interface TestCerts {
  readonly dir: string;
  /** The CA that issues the server's and the mapped clients' certificates. */
  readonly ca: CertFiles;
  /** Server certificate for `localhost` and `127.0.0.1`. */
  readonly server: CertFiles;
  /** Client with URI SAN {@link indexerSpiffeId} and CN `indexer` (tenant acme, vectors:write). */
  readonly spiffeClient: CertFiles;
  /** Client with only CN `reporting-job` (tenant acme, vectors:read). */
  readonly cnClient: CertFiles;
  /** Client with CN `stranger`, issued by the CA but not in the principals file. */
  readonly unmappedClient: CertFiles;
  /** A CA nobody trusts. */
  readonly otherCa: CertFiles;
  /** Client with CN `reporting-job` issued by {@link otherCa}. */
  readonly otherCaClient: CertFiles;
  /** Principals file mapping the SPIFFE and CN clients. */
  readonly principalsFile: string;
  /** Removes the directory. */
  remove(): Promise<void>;
}

const leafBase = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature"];

/** Generates two CAs, a server certificate, four client certificates and a mapping file. */
export async function generateTestCerts(): Promise<TestCerts> {
  const dir = await mkdtemp(join(tmpdir(), "ragplane-certs-"));
  const ca = await authority(dir, "ca", "ragplane test CA");
  const otherCa = await authority(dir, "other-ca", "unrelated CA");
  const [server, spiffeClient, cnClient, unmappedClient, otherCaClient] = await Promise.all([
    leaf(dir, ca, "server", "localhost", [
      ...leafBase,
      "extendedKeyUsage=serverAuth",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ]),
    leaf(dir, ca, "spiffe-client", "indexer", [
      ...leafBase,
      "extendedKeyUsage=clientAuth",
      `subjectAltName=URI:${indexerSpiffeId}`,
    ]),
    leaf(dir, ca, "cn-client", "reporting-job", [...leafBase, "extendedKeyUsage=clientAuth"]),
    leaf(dir, ca, "unmapped-client", "stranger", [...leafBase, "extendedKeyUsage=clientAuth"]),
    leaf(dir, otherCa, "other-ca-client", "reporting-job", [
      ...leafBase,
      "extendedKeyUsage=clientAuth",
    ]),
  ]);
  const principalsFile = join(dir, "principals.json");
  await writeFile(
    principalsFile,
    JSON.stringify({
      principals: [
        { spiffe: indexerSpiffeId, tenant: "acme", scopes: ["vectors:write"] },
        { cn: "reporting-job", tenant: "acme", scopes: ["vectors:read"] },
      ],
    }),
  );
  return {
    dir,
    ca,
    server,
    spiffeClient,
    cnClient,
    unmappedClient,
    otherCa,
    otherCaClient,
    principalsFile,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * The environment of a server whose ports serve `certs.server`, whose gRPC port requires
 * a client certificate of `certs.ca`, and which maps certificates to principals with
 * `certs.principalsFile` (API keys accepted too).
 */
export function mtlsServerEnv(certs: TestCerts): Record<string, string> {
  return {
    TLS_CERT_FILE: certs.server.certFile,
    TLS_KEY_FILE: certs.server.keyFile,
    TLS_CLIENT_CA_FILE: certs.ca.certFile,
    AUTH_METHODS: "mtls,api-key",
    MTLS_PRINCIPALS_FILE: certs.principalsFile,
  };
}

/** Issues another server certificate for `localhost` and `127.0.0.1`, with a new key. */
export function issueServerCertificate(
  dir: string,
  issuer: CertFiles,
  name: string,
): Promise<CertFiles> {
  return leaf(dir, issuer, name, "localhost", [
    ...leafBase,
    "extendedKeyUsage=serverAuth",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
  ]);
}

async function authority(dir: string, name: string, commonName: string): Promise<CertFiles> {
  const files = paths(dir, name);
  await run("openssl", [
    "req",
    "-x509",
    "-new",
    ...ecKey(files.keyFile),
    "-out",
    files.certFile,
    "-subj",
    `/CN=${commonName}`,
    "-days",
    "2",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  return read(files);
}

async function leaf(
  dir: string,
  issuer: CertFiles,
  name: string,
  commonName: string,
  extensions: readonly string[],
): Promise<CertFiles> {
  const files = paths(dir, name);
  const request = join(dir, `${name}.csr`);
  const extensionsFile = join(dir, `${name}.ext`);
  await writeFile(extensionsFile, `${extensions.join("\n")}\n`);
  await run("openssl", [
    "req",
    "-new",
    ...ecKey(files.keyFile),
    "-out",
    request,
    "-subj",
    `/CN=${commonName}`,
  ]);
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    request,
    "-CA",
    issuer.certFile,
    "-CAkey",
    issuer.keyFile,
    "-set_serial",
    `0x${randomBytes(8).toString("hex")}`,
    "-days",
    "2",
    "-extfile",
    extensionsFile,
    "-out",
    files.certFile,
  ]);
  return read(files);
}

function ecKey(keyFile: string): string[] {
  return [
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    keyFile,
  ];
}

function paths(dir: string, name: string): { certFile: string; keyFile: string } {
  return { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}.key`) };
}

async function read(files: { certFile: string; keyFile: string }): Promise<CertFiles> {
  const [cert, key] = await Promise.all([readFile(files.certFile), readFile(files.keyFile)]);
  return { ...files, cert, key };
}
