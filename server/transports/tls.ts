import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { SecureServerOptions } from "node:http2";
import type { SecureContextOptions } from "node:tls";
import { ServerCredentials } from "@grpc/grpc-js";
import type { TlsConfig } from "../config-security.js";

/** The files of a {@link TlsConfig}. */
export type TlsFiles = Pick<TlsConfig, "certFile" | "keyFile" | "clientCaFile">;

/** The TLS material of both ports, read and checked once at start. */
export interface LoadedTls {
  /** PEM certificate chain, the server's own certificate first. */
  readonly cert: Buffer;
  /** PEM private key of that certificate. */
  readonly key: Buffer;
  /** PEM bundle of the CAs that issue client certificates; absent: none are asked for. */
  readonly clientCa?: Buffer;
}

/** A TLS file that cannot be read or does not hold what its setting promises. */
export class TlsFileError extends Error {
  override readonly name = "TlsFileError";
  constructor(
    /** The setting that names the file, e.g. `TLS_KEY_FILE`. */
    readonly setting: string,
    readonly file: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${setting} ${file}: ${reason}`, options);
  }
}

const pemCertificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads the certificate, key and client CA bundle named by `config`, and checks that
 * they parse, that the key belongs to the certificate and that the bundle holds CA
 * certificates. Any problem is a {@link TlsFileError} naming the setting and the file.
 */
export async function loadTls(config: TlsFiles): Promise<LoadedTls> {
  const [cert, key, clientCa] = await Promise.all([
    readTlsFile("TLS_CERT_FILE", config.certFile),
    readTlsFile("TLS_KEY_FILE", config.keyFile),
    config.clientCaFile === undefined
      ? undefined
      : readTlsFile("TLS_CLIENT_CA_FILE", config.clientCaFile),
  ]);
  const [leaf] = certificatesIn("TLS_CERT_FILE", config.certFile, cert);
  const privateKey = parseKey(config.keyFile, key);
  if (leaf === undefined || !leaf.checkPrivateKey(privateKey)) {
    throw new TlsFileError(
      "TLS_KEY_FILE",
      config.keyFile,
      `is not the key of the first certificate in ${config.certFile}`,
    );
  }
  if (clientCa === undefined || config.clientCaFile === undefined) return { cert, key };
  for (const authority of certificatesIn("TLS_CLIENT_CA_FILE", config.clientCaFile, clientCa)) {
    if (!authority.ca) {
      throw new TlsFileError(
        "TLS_CLIENT_CA_FILE",
        config.clientCaFile,
        `${authority.subject.replaceAll("\n", ", ")} is not a CA certificate`,
      );
    }
  }
  return { cert, key, clientCa };
}

/**
 * Credentials of the gRPC port: plaintext when `tls` is undefined, else
 * {@link ReloadableServerCredentials}.
 */
export function grpcServerCredentials(
  tls: LoadedTls | undefined,
): ServerCredentials | ReloadableServerCredentials {
  return tls === undefined
    ? ServerCredentials.createInsecure()
    : new ReloadableServerCredentials(tls);
}

/**
 * gRPC server credentials whose certificate, key and client CA can be replaced while the
 * server runs: grpc-js applies each update to its listening sockets' secure context. With
 * a client CA the port requires a client certificate that verifies against it (the
 * handshake fails otherwise).
 */
export class ReloadableServerCredentials extends ServerCredentials {
  constructor(tls: LoadedTls) {
    super(
      tls.clientCa === undefined ? {} : { requestCert: true, rejectUnauthorized: true },
      secureContextOf(tls),
    );
  }

  /** Uses `tls` for every handshake from now on. */
  reload(tls: LoadedTls): void {
    this.updateSecureContextOptions(secureContextOf(tls));
  }

  override _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

/** The secure context of `tls`: what a reload replaces on a listening server. */
export function secureContextOf(tls: LoadedTls): SecureContextOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.clientCa === undefined ? {} : { ca: tls.clientCa }),
  };
}

/**
 * Options of the HTTP port's TLS server: h2 and HTTP/1.1 chosen by ALPN (HTTP/1.1 also
 * for clients that offer none). With a client CA the server asks for a certificate but
 * lets clients without one, or with one that does not verify, finish the handshake, so
 * that browsers can come with a token; only a verified certificate identifies a client.
 */
export function httpTlsOptions(tls: LoadedTls): SecureServerOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    allowHTTP1: true,
    ...(tls.clientCa === undefined
      ? {}
      : { ca: tls.clientCa, requestCert: true, rejectUnauthorized: false }),
  };
}

async function readTlsFile(setting: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TlsFileError(setting, file, `cannot be read (${reason})`, { cause: error });
  }
}

function certificatesIn(setting: string, file: string, pem: Buffer): X509Certificate[] {
  const blocks = pem.toString("utf8").match(pemCertificate) ?? [];
  if (blocks.length === 0) throw new TlsFileError(setting, file, "holds no PEM certificate");
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new TlsFileError(setting, file, `certificate ${index + 1} does not parse (${reason})`, {
        cause: error,
      });
    }
  });
}

function parseKey(file: string, pem: Buffer): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TlsFileError(
      "TLS_KEY_FILE",
      file,
      `is not an unencrypted PEM private key (${reason})`,
      {
        cause: error,
      },
    );
  }
}
