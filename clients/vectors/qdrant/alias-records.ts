import type { Schemas } from "@qdrant/js-client-rest";
import type { CollectionAlias } from "../port.js";
import { aliasTargetField, recordFields, scrollCatalog } from "./catalog.js";
import type { QdrantContext } from "./context.js";
import { catalogRecordUuid } from "./ids.js";
import { catalogCollectionName } from "./layout.js";
import { tenantField } from "./payload.js";

type Signal = AbortSignal | undefined;

/**
 * An alias's record in the catalog: a vectorless point with the id a collection of the
 * alias's name would have (so one name is held by one record), whose payload holds the
 * tenant, the alias and, under {@link aliasTargetField}, the collection it points to.
 */
function aliasPayload(tenant: string, alias: string, collection: string): Record<string, unknown> {
  return {
    [tenantField]: tenant,
    [recordFields.name]: alias,
    [aliasTargetField]: collection,
    [recordFields.createdMs]: Date.now(),
  };
}

/** Matches an alias's record, never a collection's. */
const aliasRecord: Schemas["Condition"] = { must_not: [{ is_empty: { key: aliasTargetField } }] };

/** Matches the record of an alias that points to `collection`. */
function pointingAt(collection: string): Schemas["Condition"] {
  return { key: aliasTargetField, match: { value: collection } };
}

/**
 * Writes an alias's record, pointing it at `collection`. With `onlyFrom`, only an alias
 * that points there now is changed; without, any alias of the name is. A collection's
 * record of the name is never replaced (Qdrant's conditional update): read the name back
 * to learn which record won.
 */
export async function writeAliasRecord(
  ctx: QdrantContext,
  tenant: string,
  alias: string,
  collection: string,
  options: { readonly onlyFrom?: string; readonly signal: Signal },
): Promise<void> {
  const condition = options.onlyFrom === undefined ? aliasRecord : pointingAt(options.onlyFrom);
  await ctx.caller.run(
    (api, init) =>
      api.upsertPoints(
        {
          collection_name: catalogCollectionName(ctx.prefix),
          wait: true,
          points: [
            {
              id: catalogRecordUuid(tenant, alias),
              vector: {},
              payload: aliasPayload(tenant, alias, collection),
            },
          ],
          update_filter: { must: [condition] },
        },
        init,
      ),
    { signal: options.signal, idempotent: true, collection: alias },
  );
}

/**
 * Removes an alias's record (never a collection's); with `onlyFrom`, only while the alias
 * points there.
 */
export async function removeAliasRecord(
  ctx: QdrantContext,
  tenant: string,
  alias: string,
  options: { readonly onlyFrom?: string; readonly signal: Signal },
): Promise<void> {
  const condition = options.onlyFrom === undefined ? aliasRecord : pointingAt(options.onlyFrom);
  await ctx.caller.run(
    (api, init) =>
      api.deletePoints(
        {
          collection_name: catalogCollectionName(ctx.prefix),
          wait: true,
          filter: { must: [{ has_id: [catalogRecordUuid(tenant, alias)] }, condition] },
        },
        init,
      ),
    { signal: options.signal, idempotent: true },
  );
}

/** The tenant's aliases in name order; with `collection`, only those pointing to it. */
export async function tenantAliases(
  ctx: QdrantContext,
  tenant: string,
  collection: string | undefined,
  signal: Signal,
): Promise<CollectionAlias[]> {
  const must: Schemas["Condition"][] = [
    { key: tenantField, match: { value: tenant } },
    collection === undefined ? aliasRecord : pointingAt(collection),
  ];
  const found: CollectionAlias[] = [];
  const fields = [tenantField, recordFields.name, aliasTargetField];
  await scrollCatalog(ctx, must, fields, signal, (payload) => {
    const name = payload?.[recordFields.name];
    const target = payload?.[aliasTargetField];
    if (payload?.[tenantField] === tenant && typeof name === "string" && typeof target === "string")
      found.push({ name, collection: target });
  });
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The names of the tenant's aliases that point to `collection`, in name order. */
export async function aliasesPointingAt(
  ctx: QdrantContext,
  tenant: string,
  collection: string,
  signal: Signal,
): Promise<string[]> {
  return (await tenantAliases(ctx, tenant, collection, signal)).map((alias) => alias.name);
}
