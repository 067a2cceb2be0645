/**
 * The denylist entry of a token: its `jti` within its tenant, so that one tenant's
 * admins can only ever revoke their own tenant's tokens.
 */
export function tokenRevocationKey(tenant: string, jti: string): string {
  return `${tenant}\n${jti}`;
}

/**
 * The denylist of revoked JWT ids (keys from {@link tokenRevocationKey}). `isRevoked` is synchronous and answers from memory so
 * that cached tokens can be checked on every call; a revocation made on any replica
 * reaches every replica's memory within seconds.
 */
export interface RevocationList {
  /**
   * True once the list holds the shared denylist. Until then no token can be checked
   * against it, and tokens are refused (fail closed) rather than accepted.
   */
  readonly loaded: boolean;
  /** True when this `jti` has been revoked. */
  isRevoked(jti: string): boolean;
  /** Revokes a `jti` until `expiresAt` (epoch ms), when the token would expire anyway. */
  revoke(jti: string, expiresAt: number, signal?: AbortSignal): Promise<void>;
  /** Stops following other replicas' revocations. */
  close(): Promise<void>;
}
