import type { Schemas } from "@qdrant/js-client-rest";
import { AlreadyExistsError, NotFoundError } from "../../errors.js";
import type { CollectionInfo, CollectionSpec, PayloadIndexSpec } from "../port.js";
import { resultOf } from "./call.js";
import { isComplete, qdrantDistance } from "./catalog.js";
import { type QdrantContext, qdrantName } from "./context.js";
import { orderFields, qdrantKeyPath, tenantField } from "./payload.js";

type Signal = AbortSignal | undefined;
type FieldIndex = [field: string, schema: Schemas["PayloadFieldSchema"]];

/**
 * Creates the Qdrant collection of a logical collection, then its payload indexes: the
 * caller's, the order keys (integer, for id-ordered scrolls) and, last, the tenant key
 * (keyword, `is_tenant`). Qdrant cannot do this atomically, so the tenant index marks a
 * finished collection: until it exists the collection reads as missing (catalog.ts), and
 * a create that finds an unfinished one (left by a crash or a timeout) drops it and starts
 * over. Should an index fail, the collection is dropped again (best effort).
 */
export async function createCollection(
  ctx: QdrantContext,
  tenant: string,
  spec: CollectionSpec,
  signal: Signal,
): Promise<CollectionInfo> {
  const collection = qdrantName(ctx, tenant, spec.name);
  const context = { signal, collection: spec.name };
  await clearUnfinished(ctx, collection, spec.name, signal);
  await ctx.caller.run(
    (api, init) =>
      api.createCollection(
        {
          collection_name: collection,
          vectors: { size: spec.dimension, distance: qdrantDistance(spec.distance) },
        },
        init,
      ),
    { ...context, idempotent: false },
  );
  const payloadIndexes = [...(spec.payloadIndexes ?? [])];
  try {
    for (const [field, schema] of indexesOf(payloadIndexes)) {
      await ctx.caller.run(
        (api, init) =>
          api.createFieldIndex(
            { collection_name: collection, wait: true, field_name: field, field_schema: schema },
            init,
          ),
        { ...context, idempotent: true },
      );
    }
  } catch (error) {
    if (error instanceof NotFoundError) throw new AlreadyExistsError("collection", spec.name);
    await dropQuietly(ctx, collection);
    throw error;
  }
  const created: CollectionInfo = {
    name: spec.name,
    dimension: spec.dimension,
    distance: spec.distance,
    payloadIndexes,
  };
  ctx.shapes.set(collection, created);
  return { ...created, payloadIndexes: [...payloadIndexes] };
}

/** `AlreadyExistsError` for a finished collection; drops an unfinished one. */
async function clearUnfinished(
  ctx: QdrantContext,
  collection: string,
  name: string,
  signal: Signal,
): Promise<void> {
  let info: Schemas["CollectionInfo"];
  try {
    const response = await ctx.caller.run(
      (api, init) => api.getCollection({ collection_name: collection }, init),
      { signal, collection: name, idempotent: true },
    );
    info = resultOf(response);
  } catch (error) {
    if (error instanceof NotFoundError) return;
    throw error;
  }
  if (isComplete(info)) throw new AlreadyExistsError("collection", name);
  ctx.shapes.delete(collection);
  try {
    await ctx.caller.run(
      (api, init) => api.deleteCollection({ collection_name: collection }, init),
      { signal, collection: name, idempotent: true },
    );
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
}

function indexesOf(payloadIndexes: readonly PayloadIndexSpec[]): FieldIndex[] {
  return [
    ...payloadIndexes.map((index): FieldIndex => [qdrantKeyPath(index.key), index.type]),
    ...orderFields.map((field): FieldIndex => [field, "integer"]),
    [tenantField, { type: "keyword", is_tenant: true }],
  ];
}

async function dropQuietly(ctx: QdrantContext, collection: string): Promise<void> {
  ctx.shapes.delete(collection);
  try {
    await ctx.caller.run(
      (api, init) => api.deleteCollection({ collection_name: collection }, init),
      {
        idempotent: true,
      },
    );
  } catch {
    // The original failure is what the caller needs to see.
  }
}
