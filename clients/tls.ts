import type { ConnectionOptions } from "node:tls";

/**
 * What ragplane trusts and presents on a TLS link to an engine: PEM text, read once at
 * start. Every field is optional; an empty object is TLS with Node's default CAs.
 */
export interface EngineTlsOptions {
  /** CA certificates that sign the engine's certificate; absent: Node's default CAs. */
  readonly ca?: string;
  /** Client certificate chain, for an engine that requires mutual TLS; needs `key`. */
  readonly cert?: string;
  /** Private key of `cert`. */
  readonly key?: string;
}

/** The options of `tls.connect` for `tls`: the server is always verified. */
export function tlsConnectOptions(tls: EngineTlsOptions): ConnectionOptions {
  return {
    rejectUnauthorized: true,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
  };
}
