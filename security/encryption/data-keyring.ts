import { createHash, createSecretKey, randomBytes } from "node:crypto";
import { throwIfAborted } from "../../clients/errors.js";
import type { DataKeyRecord, DataKeyStore } from "../../clients/keys/port.js";
import { KeyCache } from "./key-cache.js";
import type { KeyProvider } from "./key-provider.js";
import type { DataKey, DataKeyring } from "./keyring.js";

/** What {@link StoredDataKeyring} needs. */
export interface StoredDataKeyringOptions {
  /** The KEKs that wrap and unwrap data keys. */
  readonly provider: KeyProvider;
  /** Where wrapped data keys are kept, shared by every replica. */
  readonly store: DataKeyStore;
  /**
   * How long an unwrapped key (or the knowledge that an id has no key) stays in this
   * process's cache, in ms (`ENCRYPTION_KEY_CACHE_MS`): also how long another replica may
   * still open a destroyed key. Default 5 000; 0 disables the cache.
   */
  readonly cacheMs?: number;
  /** Most keys cached at once; the least recently used leave first. Default 10 000. */
  readonly maxCachedKeys?: number;
  /** The clock, in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

/** How far a re-wrap has come. */
export interface RewrapProgress {
  /** Data keys looked at so far. */
  readonly checked: number;
  /** Data keys wrapped again with the active KEK so far. */
  readonly rewrapped: number;
}

/** The result of {@link StoredDataKeyring.rewrap}. */
export interface RewrapResult extends RewrapProgress {
  /** The active KEK's id. */
  readonly activeKeyId: string;
  /** KEK ids still wrapping some data key after the re-wrap (empty when it finished). */
  readonly remainingKeyIds: string[];
}

/**
 * A keyring the operator manages: what ComplianceService needs beyond {@link DataKeyring}
 * to re-wrap data keys after a KEK rotation.
 */
export interface ManagedDataKeyring extends DataKeyring {
  /** The key provider's active KEK id. */
  readonly activeKeyId: string;
  /** See {@link StoredDataKeyring.rewrap}. */
  rewrap(
    onProgress: (progress: RewrapProgress) => void,
    signal?: AbortSignal,
  ): Promise<RewrapResult>;
}

/** The key name of a tenant's own key. */
export const tenantKeyName = "t";

/** The key name of a subject's key: `s:` and the SHA-256 (hex) of the subject. */
export function subjectKeyName(subject: string): string {
  return `s:${createHash("sha256").update(subject, "utf8").digest("hex")}`;
}

/** A new random key id: 22 base64url characters (128 bits), revealing nothing. */
export function newDataKeyId(): string {
  return randomBytes(16).toString("base64url");
}

const rewrapPageSize = 256;
const dataKeyBytes = 32;

/**
 * The {@link DataKeyring} over a {@link KeyProvider} (KEKs) and a {@link DataKeyStore}
 * (wrapped data keys, shared by replicas). A tenant's key is stored under the name `t`, a
 * subject's under `s:<sha256(subject)>`, so the store never holds a subject in the clear;
 * key ids are random. A key made on first use is stored with `createIfAbsent`, so replicas
 * racing for a subject's first key agree on one.
 *
 * Unwrapped keys are cached per process for `cacheMs` (bounded, least recently used out);
 * concurrent lookups of one key share one store call. `destroySubjectKey` deletes the key
 * from the store and from this cache; other replicas drop it within `cacheMs`.
 */
export class StoredDataKeyring implements ManagedDataKeyring {
  readonly cacheMs: number;
  readonly #provider: KeyProvider;
  readonly #store: DataKeyStore;
  readonly #byName: KeyCache<DataKey>;
  readonly #byId: KeyCache<DataKey | undefined>;
  readonly #now: () => number;

  constructor(options: StoredDataKeyringOptions) {
    const cacheMs = options.cacheMs ?? 5_000;
    if (!Number.isInteger(cacheMs) || cacheMs < 0) {
      throw new RangeError(`cacheMs must be a non-negative integer, got ${cacheMs}`);
    }
    this.cacheMs = cacheMs;
    this.#provider = options.provider;
    this.#store = options.store;
    this.#now = options.now ?? Date.now;
    const max = options.maxCachedKeys ?? 10_000;
    this.#byName = new KeyCache(max, cacheMs, this.#now);
    this.#byId = new KeyCache(max, cacheMs, this.#now);
  }

  /** The provider's active KEK id. */
  get activeKeyId(): string {
    return this.#provider.activeKeyId();
  }

  sealingKey(tenant: string, subject: string | undefined, signal?: AbortSignal): Promise<DataKey> {
    const name = subject ? subjectKeyName(subject) : tenantKeyName;
    return this.#byName.get(cacheKey(tenant, name), () => this.#loadOrCreate(tenant, name, signal));
  }

  openingKey(tenant: string, keyId: string, signal?: AbortSignal): Promise<DataKey | undefined> {
    return this.#byId.get(cacheKey(tenant, keyId), async () => {
      const record = await this.#store.getById(tenant, keyId, signal);
      return record === undefined ? undefined : this.#unwrap(record, signal);
    });
  }

  /**
   * The cached key of an id without waiting: the key, `null` when the id is known to have
   * no key, or undefined when the cache does not know (then call `openingKey`).
   */
  cachedOpeningKey(tenant: string, keyId: string): DataKey | null | undefined {
    const entry = this.#byId.peek(cacheKey(tenant, keyId));
    if (entry === undefined) return undefined;
    return entry.value ?? null;
  }

  async hasSubjectKey(tenant: string, subject: string, signal?: AbortSignal): Promise<boolean> {
    throwIfAborted(signal);
    return (await this.#store.getByName(tenant, subjectKeyName(subject), signal)) !== undefined;
  }

  async destroySubjectKey(tenant: string, subject: string, signal?: AbortSignal): Promise<boolean> {
    throwIfAborted(signal);
    const name = subjectKeyName(subject);
    const nameKey = cacheKey(tenant, name);
    const record = await this.#store.getByName(tenant, name, signal);
    const cachedId = this.#byName.peek(nameKey)?.value?.id;
    this.#byName.delete(nameKey);
    const deleted = await this.#store.deleteByName(tenant, name, signal);
    this.#byName.delete(nameKey);
    for (const id of [record?.id, cachedId]) {
      if (id !== undefined) this.#byId.set(cacheKey(tenant, id), undefined);
    }
    return deleted;
  }

  /**
   * Wraps every stored data key that is not wrapped by the active KEK again with it, by
   * compare-and-set, so it is safe while replicas serve (a key deleted or re-wrapped
   * meanwhile is left alone). Reports progress after each page, then checks the whole
   * store once more for KEKs still in use. Rejects with `UnknownKekError` when a key's KEK
   * is missing from the provider.
   */
  async rewrap(
    onProgress: (progress: RewrapProgress) => void,
    signal?: AbortSignal,
  ): Promise<RewrapResult> {
    let checked = 0;
    let rewrapped = 0;
    let after: string | undefined;
    do {
      throwIfAborted(signal);
      const page = await this.#store.list(
        after === undefined ? { limit: rewrapPageSize } : { limit: rewrapPageSize, after },
        signal,
      );
      for (const record of page.records) {
        checked += 1;
        const active = this.#provider.activeKeyId();
        if (record.kekId === active) continue;
        const plain = await this.#provider.unwrap(record.kekId, record.wrapped, signal);
        try {
          const wrapped = await this.#provider.wrap(plain, signal);
          const replaced = await this.#store.replaceWrapping(
            record.tenant,
            record.id,
            record.kekId,
            wrapped.wrapped,
            wrapped.kekId,
            signal,
          );
          if (replaced) rewrapped += 1;
        } finally {
          plain.fill(0);
        }
      }
      after = page.next;
      onProgress({ checked, rewrapped });
    } while (after !== undefined);
    const activeKeyId = this.#provider.activeKeyId();
    return {
      checked,
      rewrapped,
      activeKeyId,
      remainingKeyIds: await this.#kekIdsBesides(activeKeyId, signal),
    };
  }

  async #kekIdsBesides(active: string, signal: AbortSignal | undefined): Promise<string[]> {
    const remaining = new Set<string>();
    let after: string | undefined;
    do {
      throwIfAborted(signal);
      const page = await this.#store.list(
        after === undefined ? { limit: 1_000 } : { limit: 1_000, after },
        signal,
      );
      for (const record of page.records) if (record.kekId !== active) remaining.add(record.kekId);
      after = page.next;
    } while (after !== undefined);
    return [...remaining].sort();
  }

  async #loadOrCreate(tenant: string, name: string, signal?: AbortSignal): Promise<DataKey> {
    const stored = await this.#store.getByName(tenant, name, signal);
    if (stored !== undefined) return this.#remember(tenant, await this.#unwrap(stored, signal));
    const plain = randomBytes(dataKeyBytes);
    try {
      const { kekId, wrapped } = await this.#provider.wrap(plain, signal);
      const record: DataKeyRecord = { id: newDataKeyId(), wrapped, kekId, createdMs: this.#now() };
      const winner = await this.#store.createIfAbsent(tenant, name, record, signal);
      const key =
        winner.id === record.id
          ? { id: record.id, key: createSecretKey(plain) }
          : await this.#unwrap(winner, signal);
      return this.#remember(tenant, key);
    } finally {
      plain.fill(0);
    }
  }

  #remember(tenant: string, key: DataKey): DataKey {
    this.#byId.set(cacheKey(tenant, key.id), key);
    return key;
  }

  async #unwrap(record: DataKeyRecord, signal: AbortSignal | undefined): Promise<DataKey> {
    const plain = await this.#provider.unwrap(record.kekId, record.wrapped, signal);
    try {
      return { id: record.id, key: createSecretKey(plain) };
    } finally {
      plain.fill(0);
    }
  }
}

function cacheKey(tenant: string, rest: string): string {
  return `${tenant}\u0000${rest}`;
}
