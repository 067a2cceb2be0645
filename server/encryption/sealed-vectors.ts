import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { UnfilterableFieldError } from "../../clients/errors.js";
import { parseKeyPath } from "../../clients/vectors/key-path.js";
import type {
  Condition,
  PointFilter,
  PointInput,
  StoredPoint,
  VectorStore,
} from "../../clients/vectors/port.js";
import { openingKeys, sealingKeys } from "../../security/encryption/batch-keys.js";
import { open, SealError, seal } from "../../security/encryption/envelope.js";
import type { DataKey, DataKeyring } from "../../security/encryption/keyring.js";
import { decorateEngine } from "../engine-decorator.js";

/** How a sealed payload value starts: `rpenc:1:<keyId>:<base64url of the sealed bytes>`. */
export const sealedValuePrefix = "rpenc:1:";

/** Options of {@link sealVectorStore}. */
export interface SealVectorStoreOptions {
  /** How long a collection's sensitive fields are remembered, in ms; 5,000 by default. */
  readonly cacheMs?: number;
  /** The clock of that cache (ms); `Date.now` by default. */
  readonly now?: () => number;
}

/**
 * `store` with the values of each collection's sensitive fields (`sensitiveFields`)
 * encrypted at rest. On upsert each sensitive top-level payload value (any JSON) becomes
 * the string `rpenc:1:<keyId>:<base64url(seal(key, utf8(JSON.stringify(value)), context))>`,
 * the key being the point's subject key when it has a subject, the tenant's key otherwise,
 * and the context `tenant \0 pointId \0 field` (not the collection's name, so that
 * aliases and rebuilt collections still open it). Reads (search, get, scroll) give the
 * values back; a value whose key was destroyed (an erased subject's), or that does not
 * open, is left out of the payload. A filter on a sensitive field (a condition whose key
 * path starts at one) is refused with {@link UnfilterableFieldError}: the engine only
 * ever sees ciphertext. Each collection's sensitive fields are read with the store's
 * `getCollection`, remembered per (tenant, name) for `cacheMs` and forgotten when that
 * name is created, deleted or (as an alias) moved. Every other member is the store's own.
 */
export function sealVectorStore(
  store: VectorStore,
  keyring: DataKeyring,
  options: SealVectorStoreOptions = {},
): VectorStore {
  const fields = new SensitiveFields(store, options.cacheMs ?? 5_000, options.now ?? Date.now);
  const overrides: Partial<VectorStore> = {
    async createCollection(tenant, spec, signal) {
      fields.forget(tenant, spec.name);
      return store.createCollection(tenant, spec, signal);
    },
    async deleteCollection(tenant, name, signal) {
      try {
        return await store.deleteCollection(tenant, name, signal);
      } finally {
        fields.forget(tenant, name);
      }
    },
    async putAlias(tenant, alias, collection, signal) {
      try {
        return await store.putAlias(tenant, alias, collection, signal);
      } finally {
        fields.forget(tenant, alias);
      }
    },
    async deleteAlias(tenant, alias, signal) {
      try {
        return await store.deleteAlias(tenant, alias, signal);
      } finally {
        fields.forget(tenant, alias);
      }
    },
    async upsert(tenant, collection, points, signal) {
      const sensitive = await fields.of(tenant, collection, signal);
      const sealed =
        sensitive.length === 0
          ? points
          : await sealPoints(keyring, tenant, sensitive, points, signal);
      return store.upsert(tenant, collection, sealed, signal);
    },
    async search(tenant, collection, query, signal) {
      const sensitive = await fields.of(tenant, collection, signal);
      refuseSensitiveFilter(sensitive, query.filter);
      const hits = await store.search(tenant, collection, query, signal);
      return openPoints(keyring, tenant, sensitive, hits, signal);
    },
    async get(tenant, collection, ids, getOptions, signal) {
      const sensitive = await fields.of(tenant, collection, signal);
      const points = await store.get(tenant, collection, ids, getOptions, signal);
      return openPoints(keyring, tenant, sensitive, points, signal);
    },
    async scroll(tenant, collection, query, signal) {
      const sensitive = await fields.of(tenant, collection, signal);
      refuseSensitiveFilter(sensitive, query.filter);
      const page = await store.scroll(tenant, collection, query, signal);
      const points = await openPoints(keyring, tenant, sensitive, page.points, signal);
      return page.nextAfter === undefined ? { points } : { points, nextAfter: page.nextAfter };
    },
    async count(tenant, collection, filter, signal) {
      if (filter !== undefined)
        refuseSensitiveFilter(await fields.of(tenant, collection, signal), filter);
      return store.count(tenant, collection, filter, signal);
    },
    async delete(tenant, collection, selector, signal) {
      if ("filter" in selector)
        refuseSensitiveFilter(await fields.of(tenant, collection, signal), selector.filter);
      return store.delete(tenant, collection, selector, signal);
    },
  };
  return decorateEngine(store, (property) =>
    Object.hasOwn(overrides, property) ? overrides[property as keyof VectorStore] : undefined,
  );
}

/** Each collection's sensitive fields, remembered for a while per (tenant, name). */
class SensitiveFields {
  readonly #cache = new Map<
    string,
    { readonly fields: readonly string[]; readonly until: number }
  >();

  constructor(
    private readonly store: VectorStore,
    private readonly cacheMs: number,
    private readonly now: () => number,
  ) {}

  /** The sensitive fields of the tenant's collection (or alias) `name`. */
  async of(
    tenant: string,
    name: string,
    signal: AbortSignal | undefined,
  ): Promise<readonly string[]> {
    const key = cacheKey(tenant, name);
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached.until > this.now()) return cached.fields;
    const { sensitiveFields } = await this.store.getCollection(tenant, name, signal);
    this.#cache.set(key, { fields: sensitiveFields, until: this.now() + this.cacheMs });
    return sensitiveFields;
  }

  /** Drops what is remembered of the tenant's `name`. */
  forget(tenant: string, name: string): void {
    this.#cache.delete(cacheKey(tenant, name));
  }
}

function cacheKey(tenant: string, name: string): string {
  return `${tenant}\0${name}`;
}

/** The additional data a sealed value is bound to: where it belongs. */
function sealContext(tenant: string, pointId: string, field: string): Buffer {
  return Buffer.from(`${tenant}\0${pointId}\0${field}`, "utf8");
}

/** The points with their sensitive values sealed, each distinct key resolved once. */
async function sealPoints(
  keyring: DataKeyring,
  tenant: string,
  sensitive: readonly string[],
  points: readonly PointInput[],
  signal: AbortSignal | undefined,
): Promise<PointInput[]> {
  const needsSealing = (point: PointInput): boolean =>
    point.payload !== undefined &&
    sensitive.some((field) => Object.hasOwn(point.payload ?? {}, field));
  const keys = await sealingKeys(
    keyring,
    tenant,
    points.filter(needsSealing).map((point) => point.subject ?? ""),
    signal,
  );
  return points.map((point) => {
    const payload = point.payload;
    const key = keys.get(point.subject ?? "");
    if (payload === undefined || key === undefined || !needsSealing(point)) return point;
    const sealed: JsonObject = { ...payload };
    for (const field of sensitive) {
      if (!Object.hasOwn(payload, field)) continue;
      const plaintext = Buffer.from(JSON.stringify(payload[field]), "utf8");
      const bytes = seal(key.key, plaintext, sealContext(tenant, point.id, field));
      sealed[field] = `${sealedValuePrefix}${key.id}:${bytes.toString("base64url")}`;
    }
    return { ...point, payload: sealed };
  });
}

/**
 * The points with their sensitive values opened, each distinct key id resolved once (from
 * the keyring's cache without waiting when it can); a value that cannot be opened (its
 * key destroyed, or not sealed for this place) is left out. Values that are not sealed
 * are kept as they are.
 */
async function openPoints<T extends StoredPoint>(
  keyring: DataKeyring,
  tenant: string,
  sensitive: readonly string[],
  points: readonly T[],
  signal: AbortSignal | undefined,
): Promise<T[]> {
  if (sensitive.length === 0) return [...points];
  const found: { index: number; field: string; sealed: SealedValue }[] = [];
  for (const [index, point] of points.entries()) {
    const payload = point.payload;
    if (payload === undefined) continue;
    for (const field of sensitive) {
      const sealed = parseSealed(payload[field]);
      if (sealed !== undefined) found.push({ index, field, sealed });
    }
  }
  if (found.length === 0) return [...points];
  const keys = await openingKeys(
    keyring,
    tenant,
    found.map((value) => value.sealed.keyId),
    signal,
  );
  const opened = [...points];
  const payloads = new Map<number, JsonObject>();
  for (const { index, field, sealed } of found) {
    const point = points[index] as T;
    let payload = payloads.get(index);
    if (payload === undefined) {
      payload = { ...point.payload };
      payloads.set(index, payload);
      opened[index] = { ...point, payload };
    }
    const key = keys.get(sealed.keyId);
    const value =
      key === undefined
        ? undefined
        : openValue(key, sealed.bytes, sealContext(tenant, point.id, field));
    if (value === undefined) delete payload[field];
    else payload[field] = value;
  }
  return opened;
}

/** A sealed payload value, taken apart. */
interface SealedValue {
  readonly keyId: string;
  readonly bytes: Buffer;
}

/** The key id and sealed bytes of a sealed value; undefined for any other value. */
function parseSealed(value: JsonValue | undefined): SealedValue | undefined {
  if (typeof value !== "string" || !value.startsWith(sealedValuePrefix)) return undefined;
  const separator = value.indexOf(":", sealedValuePrefix.length);
  if (separator < 0) return undefined;
  return {
    keyId: value.slice(sealedValuePrefix.length, separator),
    bytes: Buffer.from(value.slice(separator + 1), "base64url"),
  };
}

/** The JSON value sealed in `bytes`; undefined when it does not open. */
function openValue(key: DataKey, bytes: Buffer, context: Buffer): JsonValue | undefined {
  try {
    return JSON.parse(open(key.key, bytes, context).toString("utf8")) as JsonValue;
  } catch (error) {
    if (error instanceof SealError || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** Throws {@link UnfilterableFieldError} for the first condition on a sensitive field. */
function refuseSensitiveFilter(
  sensitive: readonly string[],
  filter: PointFilter | undefined,
): void {
  if (filter === undefined || sensitive.length === 0) return;
  const clauses = [
    ["must", filter.must],
    ["should", filter.should],
    ["must_not", filter.mustNot],
  ] as const;
  for (const [name, conditions] of clauses) {
    for (const [i, condition] of (conditions ?? []).entries()) {
      const field = sensitiveFieldOf(sensitive, condition);
      if (field !== undefined) throw new UnfilterableFieldError(`filter.${name}[${i}].key`, field);
    }
  }
}

/** The sensitive field a condition's key path starts at, if any. */
function sensitiveFieldOf(sensitive: readonly string[], condition: Condition): string | undefined {
  const first = parseKeyPath(condition.key)?.[0];
  const top = first?.kind === "key" ? first.key : condition.key;
  return sensitive.includes(top) ? top : undefined;
}
