/**
 * The denylist of revoked JWT ids. `isRevoked` is synchronous and answers from memory so
 * that cached tokens can be checked on every call; a revocation made on any replica
 * reaches every replica's memory within seconds.
 */
export interface RevocationList {
  /** True when this `jti` has been revoked. */
  isRevoked(jti: string): boolean;
  /** Revokes a `jti` until `expiresAt` (epoch ms), when the token would expire anyway. */
  revoke(jti: string, expiresAt: number, signal?: AbortSignal): Promise<void>;
  /** Stops following other replicas' revocations. */
  close(): Promise<void>;
}
