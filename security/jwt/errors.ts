/**
 * The keys tokens are verified with cannot be set up: a JWKS file that cannot be read or
 * holds private or symmetric keys, two key sources at once, or no key source at all.
 * Raised when the verifier is created, so a misconfigured server fails at start.
 */
export class KeySetError extends Error {
  override readonly name = "KeySetError";
  constructor(
    /** Where the keys were to come from: `JWT_JWKS_FILE`, `JWT_JWKS_URL`, `local key`, … */
    readonly source: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${source}: ${message}`, options);
  }
}

/** The local signing key file exists but cannot be used (unreadable, not Ed25519, too open). */
export class LocalKeyError extends Error {
  override readonly name = "LocalKeyError";
  constructor(
    /** The key file. */
    readonly path: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${path}: ${message}`, options);
  }
}
