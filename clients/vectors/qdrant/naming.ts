import { createHash } from "node:crypto";

/** Qdrant's longest collection name. */
export const maxQdrantNameLength = 255;

const logicalNamePattern = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * A fixed-length, filesystem-safe key of a tenant: the first 128 bits of SHA-256 of its
 * UTF-8 bytes, in lowercase hex. Tenants are arbitrary strings (any length, any
 * character) so they cannot go into a collection name as they are.
 */
export function tenantKey(tenant: string): string {
  return createHash("sha256").update(tenant, "utf8").digest("hex").slice(0, 32);
}

/**
 * What every Qdrant collection of one tenant starts with: `<prefix>_<tenantKey>_`.
 * The prefix holds no `_` and the tenant key has a fixed length, so the string before
 * the logical name identifies exactly one (prefix, tenant).
 */
export function tenantPrefix(prefix: string, tenant: string): string {
  return `${prefix}_${tenantKey(tenant)}_`;
}

/**
 * The Qdrant collection that holds a tenant's logical collection:
 * `<prefix>_<tenantKey>_<name>`, at most 16 + 1 + 32 + 1 + 200 = 250 characters. Two
 * tenants with the same logical name get different collections (and may give them
 * different dimensions); one tenant's names can never reach another's.
 */
export function qdrantCollectionName(prefix: string, tenant: string, name: string): string {
  const full = `${tenantPrefix(prefix, tenant)}${name}`;
  if (full.length > maxQdrantNameLength) {
    throw new RangeError(`collection name "${name}" is too long for Qdrant`);
  }
  return full;
}

/**
 * The logical name inside a Qdrant collection name when it belongs to this prefix and
 * tenant, else undefined.
 */
export function logicalCollectionName(
  prefix: string,
  tenant: string,
  qdrantName: string,
): string | undefined {
  const start = tenantPrefix(prefix, tenant);
  if (!qdrantName.startsWith(start)) return undefined;
  const name = qdrantName.slice(start.length);
  return logicalNamePattern.test(name) ? name : undefined;
}
