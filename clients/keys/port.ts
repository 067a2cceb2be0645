import type { EngineHealth } from "../health.js";

/**
 * The data key store port: wrapped data keys per tenant, each found by its id (what sealed
 * data carries) and by a name (the keyring's `t` for the tenant's key, `s:<sha256 of the
 * subject>` for a subject's). The store never sees a key in the clear: records hold data
 * keys wrapped by a key-encryption key (KEK) of the key provider.
 *
 * The embedded (SQLite) and Redis adapters implement it and pass the same contract suite
 * (`tests/contract/keys.contract.ts`). Failures are the domain errors of
 * `clients/errors.ts` (`EngineUnavailableError`, `EngineTimeoutError`, `CancelledError`).
 */
export interface DataKeyStore {
  /** The record of an id in the tenant, or undefined. */
  getById(tenant: string, id: string, signal?: AbortSignal): Promise<DataKeyRecord | undefined>;

  /** The record a name points at in the tenant, or undefined. */
  getByName(tenant: string, name: string, signal?: AbortSignal): Promise<DataKeyRecord | undefined>;

  /**
   * Stores `record` under `name` unless the tenant already has a record of that name, and
   * resolves with the record the name points at afterwards: `record` when this call won,
   * the stored one otherwise. Atomic: two replicas racing agree on one winner. Throws
   * `RangeError` when the id is taken by another name.
   */
  createIfAbsent(
    tenant: string,
    name: string,
    record: DataKeyRecord,
    signal?: AbortSignal,
  ): Promise<DataKeyRecord>;

  /**
   * Removes the name and the record it points at, atomically; resolves true when the name
   * existed. Where the engine allows, the record's bytes are overwritten, not just unlinked.
   */
  deleteByName(tenant: string, name: string, signal?: AbortSignal): Promise<boolean>;

  /**
   * One page of every record of every tenant, in a stable order (for re-wrapping). Records
   * created or deleted during the paging may or may not appear; no record appears twice.
   */
  list(page: DataKeyPageRequest, signal?: AbortSignal): Promise<DataKeyPage>;

  /**
   * Compare-and-set of a record's wrapping: replaces `wrapped` and `kekId` only when the
   * record exists and is still wrapped by `expectedKekId`. Resolves true when replaced.
   */
  replaceWrapping(
    tenant: string,
    id: string,
    expectedKekId: string,
    wrapped: Uint8Array,
    kekId: string,
    signal?: AbortSignal,
  ): Promise<boolean>;

  /** Reports whether the store can serve requests now. Never throws. */
  health(): Promise<EngineHealth>;

  /** Releases the store (a shared connection stays open). Idempotent. */
  close(): Promise<void>;
}

/** A wrapped data key as stored. */
export interface DataKeyRecord {
  /** The key's opaque id (at most 64 ASCII characters), unique within the tenant. */
  readonly id: string;
  /** The data key wrapped by the KEK `kekId`. */
  readonly wrapped: Uint8Array;
  /** The KEK that wrapped it. */
  readonly kekId: string;
  /** When the key was made, in epoch ms. */
  readonly createdMs: number;
}

/** A record with its tenant, as {@link DataKeyStore.list} returns it. */
export interface TenantDataKeyRecord extends DataKeyRecord {
  readonly tenant: string;
}

/** Which page of records to list. */
export interface DataKeyPageRequest {
  /** At most this many records, at least 1. */
  readonly limit: number;
  /** The previous page's `next`; absent for the first page. */
  readonly after?: string;
}

/** One page of records. */
export interface DataKeyPage {
  readonly records: readonly TenantDataKeyRecord[];
  /** Pass as `after` for the next page; absent on the last page. */
  readonly next?: string;
}

/** The longest key id accepted. */
export const maxDataKeyIdLength = 64;

/** Throws `RangeError` for an id or name a store must not hold. */
export function checkKeyNames(tenant: string, name: string, id?: string): void {
  if (tenant.includes("\u0000") || name.includes("\u0000")) {
    throw new RangeError("tenant and key name must not contain NUL");
  }
  if (id !== undefined && !/^[\x21-\x7e]{1,64}$/.test(id)) {
    throw new RangeError(`a data key id is 1 to ${maxDataKeyIdLength} printable ASCII characters`);
  }
}
