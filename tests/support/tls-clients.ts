import type { Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { type ChannelCredentials, credentials } from "@grpc/grpc-js";

/** A client certificate and its key, presented in the TLS handshake. */
export interface ClientIdentity {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** What a TLS client trusts and, optionally, who it is. */
export interface TlsClientOptions {
  /** PEM CA the server's certificate must chain to. */
  readonly ca: Buffer;
  /** The client certificate to present; none when absent. */
  readonly identity?: ClientIdentity;
}

/** The HTTP port's client flavours over TLS. */
export type TlsHttpTransportName = "connect" | "grpc-web" | "grpc-h2" | "connect-h2";

/** Every HTTP-port flavour, for `describe.each`. */
export const tlsHttpTransportNames: readonly TlsHttpTransportName[] = [
  "connect",
  "grpc-web",
  "grpc-h2",
  "connect-h2",
];

/** grpc-js channel credentials for the gRPC port over TLS. */
export function grpcJsTlsCredentials(options: TlsClientOptions): ChannelCredentials {
  return credentials.createSsl(
    options.ca,
    options.identity?.key ?? null,
    options.identity?.cert ?? null,
  );
}

/**
 * A connect-node transport to the HTTP port over TLS: Connect and gRPC-Web on HTTP/1.1,
 * gRPC and Connect on h2 (negotiated by ALPN).
 */
export function createTlsHttpTransport(
  name: TlsHttpTransportName,
  baseUrl: string,
  options: TlsClientOptions,
): Transport {
  const nodeOptions = {
    ca: options.ca,
    ...(options.identity === undefined
      ? {}
      : { cert: options.identity.cert, key: options.identity.key }),
  };
  switch (name) {
    case "connect":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", nodeOptions });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl, httpVersion: "1.1", nodeOptions });
    case "grpc-h2":
      return createGrpcTransport({ baseUrl, nodeOptions });
    case "connect-h2":
      return createConnectTransport({ baseUrl, httpVersion: "2", nodeOptions });
  }
}
