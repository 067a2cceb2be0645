import type { Scope } from "../scopes.js";

/** A stored API key. The secret itself is never stored: only its SHA-256. */
export interface ApiKeyRecord {
  /** Public id, the part of `rp_<id>_<secret>` that is safe to show and log. */
  readonly id: string;
  readonly tenant: string;
  /** A label chosen by whoever created the key. */
  readonly name: string;
  readonly scopes: readonly Scope[];
  /** Hex SHA-256 of the whole key string. */
  readonly hash: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** `Principal.subject` of the creator ("bootstrap" for the first admin key). */
  readonly createdBy: string;
  /** Epoch ms after which the key is refused; undefined for no expiry. */
  readonly expiresAt?: number;
  /** Epoch ms when the key was revoked; undefined while active. */
  readonly revokedAt?: number;
}

/** A page request over keys, ordered by creation. */
export interface ApiKeyPageRequest {
  /** Only this tenant's keys; undefined for every tenant. */
  readonly tenant?: string;
  readonly limit: number;
  /** Opaque token from the previous page. */
  readonly pageToken?: string;
}

/** One page of keys. */
export interface ApiKeyPage {
  readonly keys: readonly ApiKeyRecord[];
  /** Undefined on the last page. */
  readonly nextPageToken?: string;
}

/**
 * Where API keys live: durable and shared by every replica (see ARCHITECTURE.md,
 * control-plane data). A change made on one replica is visible to every replica's
 * `get` within seconds.
 */
export interface ApiKeyStore {
  /** Stores a new key; rejects with `AlreadyExistsError` if the id is taken. */
  create(record: ApiKeyRecord, signal?: AbortSignal): Promise<void>;
  /** The key with this id, from memory (no I/O on the hot path). */
  get(id: string): ApiKeyRecord | undefined;
  list(page: ApiKeyPageRequest, signal?: AbortSignal): Promise<ApiKeyPage>;
  /** Marks a key revoked; rejects with `NotFoundError` if unknown. Revoking twice is a no-op. */
  revoke(id: string, at: number, signal?: AbortSignal): Promise<ApiKeyRecord>;
  /** True when no key has ever been created (first start). */
  isEmpty(): boolean;
  close(): Promise<void>;
}
