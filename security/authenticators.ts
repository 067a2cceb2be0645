import type { Principal } from "./principal.js";

/** What a client presented, as read from the call by the authentication interceptor. */
export interface Credentials {
  /** A bearer token that is not an API key (`authorization: Bearer <jwt>`). */
  readonly token?: string;
  /** An API key (`authorization: Bearer rp_…` or `x-api-key: rp_…`). */
  readonly apiKey?: string;
  /** The verified TLS client certificate, when the connection has one. */
  readonly certificate?: ClientCertificate;
}

/** The parts of a verified client certificate that identify its holder. */
export interface ClientCertificate {
  /** URI SANs (a SPIFFE id is one of them: `spiffe://trust-domain/path`). */
  readonly uris: readonly string[];
  /** The subject's common name, if any. */
  readonly commonName?: string;
  /** SHA-256 fingerprint, for logs. */
  readonly fingerprint256: string;
}

/**
 * Verifies a JWT. Resolves the principal, or rejects with `UnauthenticatedError` naming
 * the reason (expired, wrong audience, revoked, …). Implementations cache verified
 * tokens so the hot path does not re-verify signatures.
 */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

/** Verifies an `rp_…` API key, or rejects with `UnauthenticatedError`. */
export interface ApiKeyVerifier {
  verify(apiKey: string): Promise<Principal>;
}

/**
 * Maps a verified client certificate to a principal through the configured mapping, or
 * rejects with `UnauthenticatedError` when the certificate is not mapped.
 */
export interface CertificateMapper {
  map(certificate: ClientCertificate): Principal;
}

/** The authentication methods in use; an absent one is switched off. */
export interface Authenticators {
  readonly tokens?: TokenVerifier;
  readonly apiKeys?: ApiKeyVerifier;
  readonly certificates?: CertificateMapper;
}
