import type { Schemas } from "@qdrant/js-client-rest";
import { defaultIndexSettings, type IndexSettings, type PayloadIndexSpec } from "../port.js";
import { resultOf } from "./call.js";
import { createIfMissing, qdrantDistance } from "./catalog.js";
import type { QdrantContext } from "./context.js";
import { sharedCollectionName, type VectorShape } from "./layout.js";
import {
  orderFields,
  qdrantKeyPath,
  scopeField,
  subjectField,
  tenantField,
  writtenAtField,
} from "./payload.js";

type Signal = AbortSignal | undefined;
type FieldIndex = [field: string, schema: Schemas["PayloadFieldSchema"]];

/**
 * How a shared collection is indexed: a graph over all its points (`m`, 16 unless the
 * collection sets its own) plus as many links within each scope and each indexed payload
 * value (`payload_m`), so a search
 * filtered to one scope walks a graph as dense as a collection of its own. (Qdrant's
 * multitenancy guide also offers `m: 0`, no graph across scopes, to save indexing time;
 * measured on Qdrant 1.18 with one 10,000 × 384 scope, that search cost twice the CPU.)
 * Qdrant decides per segment: a scope whose vectors in a segment are under
 * `full_scan_threshold` is scanned (faster than a graph walk at that size), and a segment
 * is indexed once it holds `indexing_threshold` of vectors. Both are 4 MB (about 2,600
 * vectors of 384 dimensions), not Qdrant's 10 MB defaults, under which a collection of
 * 10,000 × 384 spread over the default segments is never indexed and every search scans.
 */
export function sharedCollectionSettings(
  index: IndexSettings = defaultIndexSettings,
): Pick<Schemas["CreateCollection"], "hnsw_config" | "optimizers_config"> {
  return {
    hnsw_config: {
      m: index.m,
      payload_m: index.m,
      ef_construct: index.efConstruct,
      full_scan_threshold: 4_000,
    },
    optimizers_config: { indexing_threshold: 4_000 },
  };
}

/**
 * The shared collection of `shape`, created with its indexes (scope as `is_tenant`,
 * tenant, write time, data subject, and the order keys of id-ordered scrolls) when
 * missing. The indexes are created (a no-op when present) once per shape and process, so
 * a shared collection made before an index existed gets it at its first use. Known
 * collections are remembered, so this costs a round trip once per shape and process.
 */
export async function ensureSharedCollection(
  ctx: QdrantContext,
  shape: VectorShape,
  signal: Signal,
): Promise<string> {
  const collection = sharedCollectionName(ctx.prefix, shape);
  if (ctx.ready.has(collection)) return collection;
  await createIfMissing(
    ctx,
    collection,
    {
      vectors: { size: shape.dimension, distance: qdrantDistance(shape.distance) },
      ...sharedCollectionSettings(shape.index),
    },
    signal,
  );
  const indexes: FieldIndex[] = [
    [scopeField, { type: "keyword", is_tenant: true }],
    [tenantField, "keyword"],
    [writtenAtField, "integer"],
    [subjectField, "keyword"],
    ...orderFields.map((field): FieldIndex => [field, "integer"]),
  ];
  for (const [field, schema] of indexes) await createIndex(ctx, collection, field, schema, signal);
  ctx.ready.add(collection);
  return collection;
}

/**
 * Indexes a collection's payload keys in its shared collection. The shared collection
 * has one index per key for every tenant, so a key another collection already indexes
 * with another type keeps that index (filters on it still give the same results, as
 * they do without an index).
 */
export async function ensurePayloadIndexes(
  ctx: QdrantContext,
  collection: string,
  specs: readonly PayloadIndexSpec[],
  signal: Signal,
): Promise<void> {
  if (specs.length === 0) return;
  const info = await ctx.caller.run(
    (api, init) => api.getCollection({ collection_name: collection }, init),
    { signal, idempotent: true },
  );
  const existing = resultOf(info).payload_schema;
  for (const spec of specs) {
    const field = qdrantKeyPath(spec.key);
    if (existing[field] !== undefined) continue;
    await createIndex(ctx, collection, field, spec.type, signal);
  }
}

async function createIndex(
  ctx: QdrantContext,
  collection: string,
  field: string,
  schema: Schemas["PayloadFieldSchema"],
  signal: Signal,
): Promise<void> {
  await ctx.caller.run(
    (api, init) =>
      api.createFieldIndex(
        { collection_name: collection, wait: true, field_name: field, field_schema: schema },
        init,
      ),
    { signal, idempotent: true },
  );
}
