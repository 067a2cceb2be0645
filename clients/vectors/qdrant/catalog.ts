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

/**
 * Payload keys of a collection's catalog record, beside the tenant ({@link tenantField}).
 * An alias's record has `name` and `createdMs` too.
 */
export const recordFields = {
  name: "rp_name",
  dimension: "rp_dimension",
  distance: "rp_distance",
  payloadIndexes: "rp_payload_indexes",
  index: "rp_index",
  createdMs: "rp_created_ms",
  maxAgeMs: "rp_max_age_ms",
  sensitiveFields: "rp_sensitive_fields",
} as const;

/**
 * The payload key of an alias's record: the collection it points to. A collection's
 * record never has it, so it tells the two kinds of record apart.
 */
export const aliasTargetField = "rp_alias_of";

/** Matches a collection's record, never an alias's. */
const collectionRecord: Schemas["Condition"] = { is_empty: { key: aliasTargetField } };

/** What a tenant's name stands for in the catalog: a collection, or an alias of one. */
export type CatalogEntry =
  | { readonly kind: "collection"; readonly info: CollectionInfo }
  | { readonly kind: "alias"; readonly collection: string };

/**
 * The catalog record of a logical collection: a vectorless point in `<prefix>_catalog`
 * whose id derives from (tenant, name) and whose payload describes the collection. An
 * alias's record has the same id for its name (aliases.ts), so a tenant's name is held
 * by one record of either kind.
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
    ...(info.maxAgeMs === undefined ? {} : { [recordFields.maxAgeMs]: info.maxAgeMs }),
    ...(info.sensitiveFields.length === 0
      ? {}
      : { [recordFields.sensitiveFields]: [...info.sensitiveFields] }),
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
  const maxAgeMs = payload?.[recordFields.maxAgeMs];
  const sensitive = payload?.[recordFields.sensitiveFields];
  return {
    name,
    dimension,
    distance: distance as Distance,
    payloadIndexes,
    index: indexOf(payload),
    ...(typeof maxAgeMs === "number" && maxAgeMs > 0 ? { maxAgeMs } : {}),
    sensitiveFields: Array.isArray(sensitive)
      ? sensitive.filter((field): field is string => typeof field === "string")
      : [],
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
  const entry = (await readEntries(ctx, tenant, [name], signal)).get(name);
  return entry?.kind === "collection" ? entry.info : undefined;
}

/** What each of the tenant's `names` stands for, in one request; absent names are left out. */
export async function readEntries(
  ctx: QdrantContext,
  tenant: string,
  names: readonly string[],
  signal: Signal,
): Promise<Map<string, CatalogEntry>> {
  const entries = new Map<string, CatalogEntry>();
  let records: Schemas["Record"][];
  try {
    records = await ctx.caller.send<Schemas["Record"][]>(
      "POST",
      collectionPath(catalogCollectionName(ctx.prefix), "points"),
      {
        ids: [...new Set(names)].map((name) => catalogRecordUuid(tenant, name)),
        with_payload: true,
        with_vector: false,
      } satisfies Schemas["PointRequest"],
      { signal, idempotent: true, collection: names[0] ?? "" },
    );
  } catch (error) {
    if (error instanceof NotFoundError) return entries;
    throw error;
  }
  for (const { payload } of records) {
    const name = payload?.[recordFields.name];
    if (payload?.[tenantField] !== tenant || typeof name !== "string" || !names.includes(name))
      continue;
    const target = payload[aliasTargetField];
    const info = describeRecord(payload);
    if (typeof target === "string") entries.set(name, { kind: "alias", collection: target });
    else if (info !== undefined) entries.set(name, { kind: "collection", info });
  }
  return entries;
}

/**
 * Writes (or replaces) the catalog record of a tenant's collection. Should an alias
 * hold the name, its record stays as it is (Qdrant's conditional update): read the
 * name back to learn which record won.
 */
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
          update_filter: { must: [collectionRecord] },
        },
        init,
      ),
    { signal, idempotent: true, collection: info.name },
  );
}

/** Removes the catalog record of a tenant's collection (never an alias's record). */
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
          filter: {
            must: [{ has_id: [catalogRecordUuid(tenant, name)] }, collectionRecord],
          },
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
  await scrollCatalog(
    ctx,
    [{ key: tenantField, match: { value: tenant } }],
    true,
    signal,
    (payload) => {
      const info = payload?.[tenantField] === tenant && describeRecord(payload);
      if (info) found.push(info);
    },
  );
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Hands `each` the payload (the fields `withPayload` selects) of every catalog record that
 * matches `must`, a page of 1,000 at a time; a catalog that does not exist yet holds none.
 */
export async function scrollCatalog(
  ctx: QdrantContext,
  must: Schemas["Condition"][],
  withPayload: Schemas["WithPayloadInterface"],
  signal: Signal,
  each: (payload: Schemas["Payload"] | null | undefined) => void,
): Promise<void> {
  const catalog = catalogCollectionName(ctx.prefix);
  let offset: Schemas["ExtendedPointId"] | undefined;
  try {
    for (;;) {
      const response = await ctx.caller.run(
        (api, init) =>
          api.scrollPoints(
            {
              collection_name: catalog,
              filter: { must },
              limit: 1000,
              with_payload: withPayload,
              with_vector: false,
              ...(offset === undefined ? {} : { offset }),
            },
            init,
          ),
        { signal, idempotent: true, collection: catalog },
      );
      const page = resultOf(response);
      for (const record of page.points) each(record.payload);
      const next = page.next_page_offset;
      if (next === undefined || next === null) return;
      offset = next as Schemas["ExtendedPointId"];
    }
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
}
