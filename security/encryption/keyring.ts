import type { KeyObject } from "node:crypto";

/**
 * Data keys for envelope encryption at rest. Every data key is a random AES-256-GCM key,
 * stored only wrapped by a key-encryption key (KEK) of the key provider, and found by an
 * opaque id that sealed data carries. Two kinds exist per tenant:
 *
 * - the tenant's key, for data without a subject (created on first use);
 * - one key per data subject, for everything about that subject, created on first use
 *   and destroyed by erasure: whatever was sealed under it can never be opened again
 *   (crypto-shredding).
 *
 * A key's id never reveals its subject, so sealed records that outlive an erasure (an
 * append-only log's) keep no link to the person they were about.
 */
export interface DataKeyring {
  /**
   * The key to seal new data with: the subject's own key when `subject` is non-empty
   * (created on first use, the same on every replica), the tenant's key otherwise.
   */
  sealingKey(tenant: string, subject: string | undefined, signal?: AbortSignal): Promise<DataKey>;

  /**
   * The key of an id found on sealed data, or `undefined` when it was destroyed (an
   * erased subject's). Unknown ids are `undefined` too.
   */
  openingKey(tenant: string, keyId: string, signal?: AbortSignal): Promise<DataKey | undefined>;

  /**
   * The key of an id from this process's cache, without waiting: the key, `null` when the
   * id is known to have no key, `undefined` when the cache does not know (then call
   * `openingKey`). Optional: a keyring without a cache leaves it out.
   */
  cachedOpeningKey?(tenant: string, keyId: string): DataKey | null | undefined;

  /** Whether the subject has a key now (a lookup only: nothing is created). */
  hasSubjectKey(tenant: string, subject: string, signal?: AbortSignal): Promise<boolean>;

  /**
   * Destroys the subject's key in the key store and drops it from this process's cache.
   * Resolves true when a key existed. Idempotent.
   */
  destroySubjectKey(tenant: string, subject: string, signal?: AbortSignal): Promise<boolean>;

  /**
   * How long, in ms, another replica may still hold a destroyed key in its cache: an
   * erasure is complete once this much time has passed after `destroySubjectKey`.
   */
  readonly cacheMs: number;
}

/** An unwrapped data key, ready to seal and open. */
export interface DataKey {
  /** The id sealed data carries (opaque, at most 64 ASCII characters). */
  readonly id: string;
  /** The AES-256-GCM key (32 bytes, a secret `KeyObject`: never logged, never serialised). */
  readonly key: KeyObject;
}
