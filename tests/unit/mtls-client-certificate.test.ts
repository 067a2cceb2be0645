import type { PeerCertificate } from "node:tls";
import { describe, expect, it } from "vitest";
import {
  clientCertificateOf,
  LazyPeer,
  uriNames,
} from "../../server/transports/client-certificate.js";

function peer(fields: Partial<PeerCertificate>): PeerCertificate {
  return { raw: Buffer.from([1]), fingerprint256: "AB:CD", ...fields } as PeerCertificate;
}

describe("reading a peer certificate", () => {
  it("keeps the URI SANs, the CN and the SHA-256 fingerprint", () => {
    const certificate = clientCertificateOf(
      peer({
        subject: { CN: "indexer" } as PeerCertificate["subject"],
        subjectaltname:
          "DNS:indexer.local, URI:spiffe://example.org/sa/indexer, IP Address:10.0.0.1",
      }),
    );
    expect(certificate).toEqual({
      uris: ["spiffe://example.org/sa/indexer"],
      commonName: "indexer",
      fingerprint256: "AB:CD",
    });
  });

  it("has no certificate when the peer sent none", () => {
    expect(clientCertificateOf(undefined)).toBeUndefined();
    expect(clientCertificateOf({} as PeerCertificate)).toBeUndefined();
  });

  it("gives a subject with several CNs no common name", () => {
    const certificate = clientCertificateOf(
      peer({ subject: { CN: ["a", "b"] } as unknown as PeerCertificate["subject"] }),
    );
    expect(certificate).toEqual({ uris: [], fingerprint256: "AB:CD" });
  });
});

describe("splitting subjectaltname", () => {
  it("reads quoted entries that hide a separator as one name", () => {
    expect(uriNames('URI:"spiffe://example.org/a, URI:spiffe://example.org/b", DNS:x')).toEqual([
      "spiffe://example.org/a, URI:spiffe://example.org/b",
    ]);
  });

  it("yields no URI from a text it cannot read rather than a guessed one", () => {
    expect(uriNames('URI:"spiffe://example.org/a')).toEqual([]);
    expect(uriNames(undefined)).toEqual([]);
    expect(uriNames("")).toEqual([]);
  });

  it("ignores names of other kinds that look like URIs", () => {
    expect(uriNames("DNS:spiffe://example.org/a, email:URI:x")).toEqual([]);
  });
});

describe("a lazy peer", () => {
  it("reads the certificate once, and only when asked", () => {
    let reads = 0;
    const lazy = new LazyPeer("127.0.0.1:1", () => {
      reads++;
      return { uris: [], fingerprint256: "AB" };
    });
    expect(lazy.address).toBe("127.0.0.1:1");
    expect(reads).toBe(0);
    expect(lazy.certificate).toEqual({ uris: [], fingerprint256: "AB" });
    expect(lazy.certificate).toEqual({ uris: [], fingerprint256: "AB" });
    expect(reads).toBe(1);
  });
});
