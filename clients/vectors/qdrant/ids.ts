import { createHash } from "node:crypto";

/**
 * The UUID namespace of every point id this adapter writes. Never change it: stored
 * points are addressed by the UUIDs derived under it.
 */
export const pointIdNamespace = "ce8e16d6-f5a1-46a0-baeb-3dd367b2b421";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A name-based UUID, version 5 (SHA-1), as RFC 9562 §5.5 defines it. */
export function uuidV5(name: string, namespace: string): string {
  if (!uuidPattern.test(namespace)) throw new RangeError(`not a UUID: "${namespace}"`);
  const bytes = createHash("sha1")
    .update(Buffer.from(namespace.replaceAll("-", ""), "hex"))
    .update(name, "utf8")
    .digest()
    .subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The Qdrant point id of a point. Qdrant accepts only unsigned integers and UUIDs, so a
 * string id maps deterministically to the UUIDv5 of `[tenant, collection, id]` (as JSON,
 * which is unambiguous) under {@link pointIdNamespace}: points of different tenants or
 * collections never share an id in the Qdrant collection they share.
 */
export function pointUuid(tenant: string, collection: string, id: string): string {
  return uuidV5(JSON.stringify([tenant, collection, id]), pointIdNamespace);
}

/** The Qdrant id of a logical collection's catalog record. */
export function catalogRecordUuid(tenant: string, collection: string): string {
  return uuidV5(JSON.stringify(["collection", tenant, collection]), pointIdNamespace);
}
