import type { ApiKeyChange } from "./codec.js";
import type { ApiKeyRecord } from "./port.js";

/** Which keys to page through in a {@link KeyTable}. */
export interface KeyTablePageRequest {
  /** Only this tenant's keys; undefined for every tenant. */
  readonly tenant?: string;
  /** At most this many keys. */
  readonly limit: number;
  /** Index in creation order to start at. */
  readonly start: number;
}

/** One page of a {@link KeyTable}. */
export interface KeyTablePage {
  readonly keys: readonly ApiKeyRecord[];
  /** Index to start the next page at; undefined when no matching key follows. */
  readonly next?: number;
}

/**
 * Every key in memory, in the order the log created them. Applying the same log in the
 * same order gives every replica the same table: the first create of an id wins, and the
 * first revocation's time is kept.
 */
export class KeyTable {
  readonly #byId = new Map<string, ApiKeyRecord>();
  readonly #order: string[] = [];

  /** The key with this id. */
  get(id: string): ApiKeyRecord | undefined {
    return this.#byId.get(id);
  }

  /** How many keys the table holds. */
  get size(): number {
    return this.#order.length;
  }

  /** Applies one change read from the log. */
  apply(change: ApiKeyChange): void {
    const { record } = change;
    const existing = this.#byId.get(record.id);
    if (existing === undefined) {
      this.#byId.set(record.id, record);
      this.#order.push(record.id);
      return;
    }
    if (change.type === "revoked" && existing.revokedAt === undefined) {
      this.#byId.set(record.id, { ...existing, revokedAt: record.revokedAt });
    }
  }

  /** Keys from `start` on, in creation order, optionally of one tenant. */
  page(request: KeyTablePageRequest): KeyTablePage {
    const keys: ApiKeyRecord[] = [];
    for (let index = request.start; index < this.#order.length; index++) {
      const record = this.#byId.get(this.#order[index] ?? "");
      if (record === undefined) continue;
      if (request.tenant !== undefined && record.tenant !== request.tenant) continue;
      if (keys.length === request.limit) return { keys, next: index };
      keys.push(record);
    }
    return { keys };
  }
}
