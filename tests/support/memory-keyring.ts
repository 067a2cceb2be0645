import { createSecretKey, randomBytes, randomUUID } from "node:crypto";
import type { DataKey, DataKeyring } from "../../security/encryption/keyring.js";

/** A {@link DataKeyring} held in memory, for tests; see {@link memoryKeyring}. */
export interface MemoryKeyring extends DataKeyring {
  /**
   * Destroys the key of a subject (or, without one, the tenant's key): nothing sealed
   * under it opens again. True when it existed.
   */
  destroy(tenant: string, subject?: string): boolean;
  /** How many times each method was called, to check that keys are resolved once. */
  readonly calls: { sealingKey: number; openingKey: number };
  /** The number of keys held now. */
  readonly size: number;
}

/**
 * An in-memory keyring: a real random AES-256 key per name (the tenant's, or one per
 * subject of a tenant), created on first use and found again by an opaque random id,
 * never derived from the subject. `destroy` (and `destroySubjectKey`) removes a key, so
 * that `openingKey` answers `undefined` for its id from then on.
 */
export function memoryKeyring(options: { readonly cacheMs?: number } = {}): MemoryKeyring {
  const byName = new Map<string, DataKey>();
  const byId = new Map<string, { readonly tenant: string; readonly key: DataKey }>();
  const calls = { sealingKey: 0, openingKey: 0 };
  const nameOf = (tenant: string, subject: string | undefined) =>
    subject ? `subject\0${tenant}\0${subject}` : `tenant\0${tenant}`;
  const destroy = (tenant: string, subject?: string): boolean => {
    const name = nameOf(tenant, subject);
    const key = byName.get(name);
    if (key === undefined) return false;
    byName.delete(name);
    byId.delete(key.id);
    return true;
  };
  return {
    cacheMs: options.cacheMs ?? 0,
    calls,
    get size() {
      return byName.size;
    },
    async sealingKey(tenant, subject) {
      calls.sealingKey++;
      const name = nameOf(tenant, subject);
      let key = byName.get(name);
      if (key === undefined) {
        key = { id: randomUUID(), key: createSecretKey(randomBytes(32)) };
        byName.set(name, key);
        byId.set(key.id, { tenant, key });
      }
      return key;
    },
    async openingKey(tenant, keyId) {
      calls.openingKey++;
      const found = byId.get(keyId);
      return found?.tenant === tenant ? found.key : undefined;
    },
    async hasSubjectKey(tenant, subject) {
      return byName.has(nameOf(tenant, subject));
    },
    async destroySubjectKey(tenant, subject) {
      return destroy(tenant, subject);
    },
    destroy,
  };
}
