import { AlreadyExistsError, NotFoundError } from "../../errors.js";
import type { AliasPage } from "../port.js";
import { removeAliasRecord, tenantAliases, writeAliasRecord } from "./alias-records.js";
import { readEntries } from "./catalog.js";
import type { QdrantContext } from "./context.js";

type Signal = AbortSignal | undefined;

/**
 * Points a tenant's alias at a collection (creating or moving it) and returns where it
 * pointed before. The alias's record is written only after the target was found to be a
 * collection, and never over a collection's record; then both names are read back:
 *
 * - a collection created meanwhile under the alias's name kept its record
 *   (`AlreadyExistsError`);
 * - a target deleted meanwhile (DeleteCollection removes the record before it looks for
 *   aliases a last time) makes this put undo itself, moving the alias back, or removing
 *   it when it is new, unless another put moved it since (`NotFoundError`).
 *
 * The put is seen at once in this process; other replicas see it within their shape
 * cache's lifetime. Should this be cut short between the write and the undo, the alias
 * points at a collection that does not exist, and every request through it is
 * NOT_FOUND for that collection until the alias is moved or deleted.
 */
export async function putAlias(
  ctx: QdrantContext,
  tenant: string,
  alias: string,
  collection: string,
  signal: Signal,
): Promise<{ readonly previous?: string }> {
  const before = await readEntries(ctx, tenant, [alias, collection], signal);
  const existing = before.get(alias);
  if (existing?.kind === "collection") throw new AlreadyExistsError("collection", alias);
  if (before.get(collection)?.kind !== "collection")
    throw new NotFoundError("collection", collection);
  const previous = existing?.collection;
  await writeAliasRecord(ctx, tenant, alias, collection, { signal });
  const after = await readEntries(ctx, tenant, [alias, collection], signal);
  if (after.get(alias)?.kind === "collection") throw new AlreadyExistsError("collection", alias);
  const target = after.get(collection);
  if (target?.kind !== "collection") {
    const undo = { onlyFrom: collection, signal: undefined };
    if (previous === undefined) await removeAliasRecord(ctx, tenant, alias, undo);
    else await writeAliasRecord(ctx, tenant, alias, previous, undo);
    ctx.shapes.delete(tenant, alias);
    throw new NotFoundError("collection", collection);
  }
  const stored = after.get(alias);
  if (stored?.kind === "alias" && stored.collection === collection)
    ctx.shapes.set(tenant, alias, target.info);
  else ctx.shapes.delete(tenant, alias);
  return previous === undefined ? {} : { previous };
}

/** Deletes a tenant's alias (never a collection's record); false when there was none. */
export async function deleteAlias(
  ctx: QdrantContext,
  tenant: string,
  alias: string,
  signal: Signal,
): Promise<boolean> {
  ctx.shapes.delete(tenant, alias);
  const entry = (await readEntries(ctx, tenant, [alias], signal)).get(alias);
  if (entry?.kind !== "alias") return false;
  await removeAliasRecord(ctx, tenant, alias, { signal });
  ctx.shapes.delete(tenant, alias);
  return true;
}

/** Lists a tenant's aliases in name order, from the catalog, a page at a time. */
export async function listAliases(
  ctx: QdrantContext,
  tenant: string,
  page: { readonly limit: number; readonly after?: string },
  signal: Signal,
): Promise<AliasPage> {
  const after = page.after ?? "";
  const all = (await tenantAliases(ctx, tenant, undefined, signal)).filter((a) => a.name > after);
  const aliases = all.slice(0, page.limit);
  const last = aliases.at(-1);
  return all.length > page.limit && last !== undefined
    ? { aliases, nextAfter: last.name }
    : { aliases };
}
