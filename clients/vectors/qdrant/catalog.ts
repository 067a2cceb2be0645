import type { Schemas } from "@qdrant/js-client-rest";
import { NotFoundError } from "../../errors.js";
import {
  type CollectionInfo,
  type Distance,
  defaultIndexSettings,
  type IndexSettings,
  type PayloadIndexSpec,
  type PayloadIndexType,
} from "../port.js";
import { resultOf } from "./call.js";
import type { QdrantContext } from "./context.js";
import { collectionPath } from "./http.js";
import { catalogRecordUuid } from "./ids.js";
import { catalogCollectionName } from "./layout.js";
import { tenantField } from "./payload.js";

type Signal = AbortSignal | undefined;

const toQdrant: Record<Distance, Schemas["Distance"]> = {
  cosine: "Cosine",
  dot: "Dot",
  euclid: "Euclid",
};

const indexTypes: ReadonlySet<string> = new Set<PayloadIndexType>([
  "keyword",
  "integer",
  "float",
  "bool",
]);

/** Qdrant's name of a distance. */
export function qdrantDistance(distance: Distance): Schemas["Distance"] {
  return toQdrant[distance];
}

/** The distance Qdrant calls `name`; undefined for one the port does not know. */
export function distanceOf(name: string): Distance | undefined {
  return (Object.keys(toQdrant) as Distance[]).find((distance) => toQdrant[distance] === name);
}

/** Whether a Qdrant payload index type is one the port offers. */
export function isPayloadIndexType(type: string): type is PayloadIndexType {
  return indexTypes.has(type);
}

/** Payload keys of a catalog record, beside the tenant ({@link tenantField}). */
const recordFields = {
  name: "rp_name",
  dimension: "rp_dimension",
  distance: "rp_distance",
  payloadIndexes: "rp_payload_indexes",
  index: "rp_index",
  createdMs: "rp_created_ms",
} as const;

/**
 * The catalog record of a logical collection: a vectorless point in `<prefix>_catalog`
 * whose id derives from (tenant, name) and whose payload describes the collection.
 */
function recordPayload(tenant: string, info: CollectionInfo): Record<string, unknown> {
  return {
    [tenantField]: tenant,
    [recordFields.name]: info.name,
    [recordFields.dimension]: info.dimension,
    [recordFields.distance]: info.distance,
    [recordFields.payloadIndexes]: info.payloadIndexes.map(({ key, type }) => ({ key, type })),
    [recordFields.index]: info.index ?? defaultIndexSettings,
    [recordFields.createdMs]: Date.now(),
  };
}

/** The collection a catalog record describes; undefined for a record not of this shape. */
export function describeRecord(
  payload: Record<string, unknown> | null | undefined,
): CollectionInfo | undefined {
  const name = payload?.[recordFields.name];
  const dimension = payload?.[recordFields.dimension];
  const distance = payload?.[recordFields.distance];
  const indexes = payload?.[recordFields.payloadIndexes];
  if (typeof name !== "string" || typeof dimension !== "number") return undefined;
  if (typeof distance !== "string" || !Object.hasOwn(toQdrant, distance)) return undefined;
  const payloadIndexes: PayloadIndexSpec[] = [];
  for (const index of Array.isArray(indexes) ? indexes : []) {
    const { key, type } = (index ?? {}) as { key?: unknown; type?: unknown };
    if (typeof key === "string" && typeof type === "string" && isPayloadIndexType(type))
      payloadIndexes.push({ key, type });
  }
  return {
    name,
    dimension,
    distance: distance as Distance,
    payloadIndexes,
    index: indexOf(payload),
  };
}

function indexOf(payload: Record<string, unknown> | null | undefined): IndexSettings {
  const stored = payload?.[recordFields.index] as Partial<IndexSettings> | undefined;
  return typeof stored?.m === "number" && typeof stored.efConstruct === "number"
    ? { m: stored.m, efConstruct: stored.efConstruct }
    : defaultIndexSettings;
}

/**
 * Creates the catalog collection when it is missing: no vectors, the tenant indexed so a
 * tenant's records are listed without a scan. Creating one that exists is harmless.
 */
export async function ensureCatalog(ctx: QdrantContext, signal: Signal): Promise<void> {
  const collection = catalogCollectionName(ctx.prefix);
  if (ctx.ready.has(collection)) return;
  await createIfMissing(ctx, collection, { vectors: {} }, signal);
  await ctx.caller.run(
    (api, init) =>
      api.createFieldIndex(
        {
          collection_name: collection,
          wait: true,
          field_name: tenantField,
          field_schema: "keyword",
        },
        init,
      ),
    { signal, idempotent: true },
  );
  ctx.ready.add(collection);
}

/**
 * Creates a Qdrant collection unless it exists; a concurrent create by another replica
 * (Qdrant's "already exists") counts as success.
 */
export async function createIfMissing(
  ctx: QdrantContext,
  collection: string,
  settings: Omit<Schemas["CreateCollection"], never>,
  signal: Signal,
): Promise<void> {
  const exists = await ctx.caller.run(
    (api, init) => api.collectionExists({ collection_name: collection }, init),
    { signal, idempotent: true },
  );
  if (resultOf(exists).exists) return;
  try {
    await ctx.caller.run(
      (api, init) => api.createCollection({ collection_name: collection, ...settings }, init),
      { signal, idempotent: false },
    );
  } catch (error) {
    const again = await ctx.caller.run(
      (api, init) => api.collectionExists({ collection_name: collection }, init),
      { signal, idempotent: true },
    );
    if (!resultOf(again).exists) throw error;
  }
}

/** The catalog record of a tenant's collection; undefined when there is none. */
export async function readRecord(
  ctx: QdrantContext,
  tenant: string,
  name: string,
  signal: Signal,
): Promise<CollectionInfo | undefined> {
  let records: Schemas["Record"][];
  try {
    records = await ctx.caller.send<Schemas["Record"][]>(
      "POST",
      collectionPath(catalogCollectionName(ctx.prefix), "points"),
      {
        ids: [catalogRecordUuid(tenant, name)],
        with_payload: true,
        with_vector: false,
      } satisfies Schemas["PointRequest"],
      { signal, idempotent: true, collection: name },
    );
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
  const [record] = records;
  if (record?.payload?.[tenantField] !== tenant) return undefined;
  const info = describeRecord(record.payload);
  return info?.name === name ? info : undefined;
}

/** Writes (or replaces) the catalog record of a tenant's collection. */
export async function writeRecord(
  ctx: QdrantContext,
  tenant: string,
  info: CollectionInfo,
  signal: Signal,
): Promise<void> {
  await ensureCatalog(ctx, signal);
  await ctx.caller.run(
    (api, init) =>
      api.upsertPoints(
        {
          collection_name: catalogCollectionName(ctx.prefix),
          wait: true,
          points: [
            {
              id: catalogRecordUuid(tenant, info.name),
              vector: {},
              payload: recordPayload(tenant, info),
            },
          ],
        },
        init,
      ),
    { signal, idempotent: true, collection: info.name },
  );
}

/** Removes the catalog record of a tenant's collection. */
export async function deleteRecord(
  ctx: QdrantContext,
  tenant: string,
  name: string,
  signal: Signal,
): Promise<void> {
  await ctx.caller.run(
    (api, init) =>
      api.deletePoints(
        {
          collection_name: catalogCollectionName(ctx.prefix),
          wait: true,
          points: [catalogRecordUuid(tenant, name)],
        },
        init,
      ),
    { signal, idempotent: true },
  );
}

/** Every collection of a tenant, in name order. */
export async function tenantRecords(
  ctx: QdrantContext,
  tenant: string,
  signal: Signal,
): Promise<CollectionInfo[]> {
  const found: CollectionInfo[] = [];
  let offset: Schemas["ExtendedPointId"] | undefined;
  try {
    for (;;) {
      const response = await ctx.caller.run(
        (api, init) =>
          api.scrollPoints(
            {
              collection_name: catalogCollectionName(ctx.prefix),
              filter: { must: [{ key: tenantField, match: { value: tenant } }] },
              limit: 1000,
              with_payload: true,
              with_vector: false,
              ...(offset === undefined ? {} : { offset }),
            },
            init,
          ),
        { signal, idempotent: true, collection: catalogCollectionName(ctx.prefix) },
      );
      const page = resultOf(response);
      for (const record of page.points) {
        const info = record.payload?.[tenantField] === tenant && describeRecord(record.payload);
        if (info) found.push(info);
      }
      const next = page.next_page_offset;
      if (next === undefined || next === null) break;
      offset = next as Schemas["ExtendedPointId"];
    }
  } catch (error) {
    if (error instanceof NotFoundError) return [];
    throw error;
  }
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Recently read collection shapes, keyed by tenant and name, so that writes and searches
 * find their collection without a round trip each. Entries expire after `ttlMs` and are
 * dropped whenever Qdrant says otherwise (a dimension error), so a collection deleted or
 * re-created by another replica is seen within `ttlMs` at worst.
 */
export class ShapeCache {
  readonly #entries = new Map<string, { shape: CollectionInfo; expires: number }>();

  constructor(private readonly ttlMs: number) {}

  /** The cached shape, if still fresh. */
  get(tenant: string, name: string): CollectionInfo | undefined {
    const key = cacheKey(tenant, name);
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires > Date.now()) return entry.shape;
    this.#entries.delete(key);
    return undefined;
  }

  /** Remembers a shape just read or written. */
  set(tenant: string, name: string, shape: CollectionInfo): void {
    if (this.ttlMs === 0) return;
    if (this.#entries.size >= 10_000) this.#entries.clear();
    this.#entries.set(cacheKey(tenant, name), { shape, expires: Date.now() + this.ttlMs });
  }

  /** Forgets a shape. */
  delete(tenant: string, name: string): void {
    this.#entries.delete(cacheKey(tenant, name));
  }
}

function cacheKey(tenant: string, name: string): string {
  return JSON.stringify([tenant, name]);
}
