/**
 * A source of key-encryption keys (KEKs), shaped like a KMS: data keys are wrapped
 * (encrypted) by the active KEK and unwrapped by the KEK whose id they were wrapped with,
 * and the KEKs themselves never leave the provider. Rotation makes another KEK active;
 * retired KEKs stay available for unwrapping until every data key has been wrapped again
 * (`StoredDataKeyring.rewrap`).
 *
 * The first implementation is a local key file (`LocalKeyFileProvider`); a cloud KMS fits
 * the same shape.
 */
export interface KeyProvider {
  /** The id of the KEK that {@link KeyProvider.wrap} uses now. */
  activeKeyId(): string;

  /** Wraps a data key with the active KEK; resolves with that KEK's id and the wrapped bytes. */
  wrap(dataKey: Uint8Array, signal?: AbortSignal): Promise<WrappedKey>;

  /**
   * Unwraps a data key wrapped by the KEK `kekId`. Rejects with {@link UnknownKekError}
   * when the provider holds no such KEK, and with `SealError` when the bytes were not
   * wrapped by it (or were changed).
   */
  unwrap(kekId: string, wrapped: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;

  /** Every KEK id the provider can unwrap with now, the active one included. */
  keyIds(): readonly string[];

  /** Stops watching for changes and releases the provider. Idempotent. */
  close(): Promise<void>;
}

/** A data key wrapped by a KEK. */
export interface WrappedKey {
  /** The KEK that wrapped it. */
  readonly kekId: string;
  /** The wrapped data key. */
  readonly wrapped: Uint8Array;
}

/** A data key names a KEK the provider does not hold (retired too early, or another key file). */
export class UnknownKekError extends Error {
  override readonly name = "UnknownKekError";
  constructor(readonly kekId: string) {
    super(
      `key-encryption key "${kekId}" is not in the key provider: restore it to the key file (ENCRYPTION_KEY_FILE) until RewrapDataKeys has moved every data key off it`,
    );
  }
}
