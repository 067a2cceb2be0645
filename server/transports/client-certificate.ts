import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import type { PeerCertificate, TLSSocket } from "node:tls";
import type { Peer } from "../../interceptors/call.js";
import type { ClientCertificate } from "../../security/authenticators.js";

/**
 * A {@link Peer} whose certificate is read from the connection only when somebody asks
 * for it, so that calls which only log the address pay nothing for TLS.
 */
export class LazyPeer implements Peer {
  private read: (() => ClientCertificate | undefined) | undefined;
  private verified: ClientCertificate | undefined;

  constructor(
    readonly address: string,
    read: () => ClientCertificate | undefined,
  ) {
    this.read = read;
  }

  get certificate(): ClientCertificate | undefined {
    if (this.read !== undefined) {
      this.verified = this.read();
      this.read = undefined;
    }
    return this.verified;
  }
}

/**
 * The client certificate of an HTTP request, when the connection is TLS and the
 * certificate verified against the client CA; undefined for plaintext, for clients
 * without a certificate and for certificates that did not verify.
 */
export function requestCertificate(
  request: IncomingMessage | Http2ServerRequest,
): ClientCertificate | undefined {
  const socket = request.socket as Partial<TLSSocket>;
  if (socket.encrypted !== true || socket.authorized !== true) return undefined;
  return clientCertificateOf(socket.getPeerCertificate?.());
}

/** The identifying parts of a peer certificate as Node reports it; undefined when empty. */
export function clientCertificateOf(
  peer: PeerCertificate | undefined,
): ClientCertificate | undefined {
  if (peer?.raw === undefined || typeof peer.fingerprint256 !== "string") return undefined;
  const commonName = singleName(peer.subject?.CN as unknown);
  return {
    uris: uriNames(peer.subjectaltname),
    fingerprint256: peer.fingerprint256,
    ...(commonName === undefined ? {} : { commonName }),
  };
}

/**
 * The URI entries of Node's `subjectaltname` text (`DNS:a, URI:spiffe://…`). Entries
 * with separators or quotes in them come as JSON strings (`URI:"a, b"`); a text that
 * does not follow that format yields no URIs at all rather than a guessed one.
 */
export function uriNames(subjectAltName: string | undefined): string[] {
  if (subjectAltName === undefined || subjectAltName === "") return [];
  const entries = splitAltNames(subjectAltName);
  if (entries === undefined) return [];
  return entries.filter((entry) => entry.startsWith("URI:")).map((entry) => entry.slice(4));
}

const quoted = /^"(?:[^"\\]|\\.)*"/;

function splitAltNames(text: string): string[] | undefined {
  const entries: string[] = [];
  let current = "";
  let offset = 0;
  while (offset < text.length) {
    const separator = text.indexOf(", ", offset);
    const quote = text.indexOf('"', offset);
    if (quote !== -1 && (separator === -1 || quote < separator)) {
      const value = jsonStringAt(text, quote);
      if (value === undefined) return undefined;
      current += text.slice(offset, quote) + value.text;
      offset = quote + value.length;
    } else if (separator !== -1) {
      entries.push(current + text.slice(offset, separator));
      current = "";
      offset = separator + 2;
    } else {
      current += text.slice(offset);
      offset = text.length;
    }
  }
  entries.push(current);
  return entries;
}

function jsonStringAt(text: string, at: number): { text: string; length: number } | undefined {
  const match = quoted.exec(text.slice(at));
  if (match === null) return undefined;
  try {
    return { text: JSON.parse(match[0]) as string, length: match[0].length };
  } catch {
    return undefined;
  }
}

/** A subject with several CNs names nobody in particular: it has none. */
function singleName(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
