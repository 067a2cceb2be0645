import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { parseKeyPath } from "../key-path.js";
import { scopeOf } from "./layout.js";
import { orderKeyLevels, orderKeys } from "./ordering.js";

/**
 * How a point's payload is laid out in Qdrant. The caller's payload is kept whole under
 * {@link payloadField}, so none of its keys can ever collide with the adapter's own
 * top-level keys, and nothing needs to be rejected or escaped:
 *
 * ```json
 * { "rp_scope": "[\"acme\",\"docs\"]", "rp_tenant": "acme", "rp_id": "doc-1#3",
 *   "rp_written_at": 1767…, "rp_subject": "person-7", "rp_o0": 110…, "rp_o1": …, "rp_o2": …,
 *   "rp_payload": { "lang": "en" } }
 * ```
 *
 * This is the point's scope (layout.ts `scopeOf`: tenant and collection), indexed as a
 * keyword with `is_tenant: true`.
 */
export const scopeField = "rp_scope";
/** The tenant, indexed as a keyword: a second guard in every filter, and erasure by tenant. */
export const tenantField = "rp_tenant";
/** The point's own string id (Qdrant's id is a UUID derived from it). */
export const idField = "rp_id";
/** The caller's payload. */
export const payloadField = "rp_payload";
/** When the point was last written (ms since the epoch), indexed as an integer for retention. */
export const writtenAtField = "rp_written_at";
/**
 * The point's data subject, indexed as a keyword for erasure and export; absent for a
 * point without one. Outside the caller's payload, so never filterable by it.
 */
export const subjectField = "rp_subject";

/** The integer payload key that holds a point's order key at `level`. */
export function orderField(level: number): string {
  return `rp_o${level}`;
}

/** The payload keys of every order level, level 0 first. */
export const orderFields: readonly string[] = Array.from({ length: orderKeyLevels }, (_, level) =>
  orderField(level),
);

/** The payload stored for a point of a tenant's collection. */
export function storedPayload(
  tenant: string,
  collection: string,
  id: string,
  payload: JsonObject | undefined,
  writtenAt: number,
  subject?: string,
): Record<string, JsonValue> {
  const stored: Record<string, JsonValue> = {
    [scopeField]: scopeOf(tenant, collection),
    [tenantField]: tenant,
    [idField]: id,
    [writtenAtField]: writtenAt,
  };
  if (subject) stored[subjectField] = subject;
  orderKeys(id).forEach((key, level) => {
    stored[orderField(level)] = key;
  });
  stored[payloadField] = payload ?? {};
  return stored;
}

/** The point id kept in a stored payload, if any. */
export function storedId(payload: Record<string, unknown> | null | undefined): string | undefined {
  const id = payload?.[idField];
  return typeof id === "string" ? id : undefined;
}

/** The data subject kept in a stored payload; undefined for none. */
export function storedSubject(
  payload: Record<string, unknown> | null | undefined,
): string | undefined {
  const subject = payload?.[subjectField];
  return typeof subject === "string" && subject !== "" ? subject : undefined;
}

/** The caller's payload inside a stored payload (`{}` when absent). */
export function callerPayload(payload: Record<string, unknown> | null | undefined): JsonObject {
  const inner = payload?.[payloadField];
  return typeof inner === "object" && inner !== null && !Array.isArray(inner)
    ? (inner as JsonObject)
    : {};
}

/**
 * The Qdrant key path of a caller's payload key: the same path under {@link payloadField}.
 * A key that is not a valid path (validation rejects those) is quoted as one literal key,
 * as the embedded store reads it.
 */
export function qdrantKeyPath(key: string): string {
  if (parseKeyPath(key) !== undefined) return `${payloadField}.${key}`;
  return `${payloadField}."${key.replaceAll('"', "")}"`;
}

/** The caller's key of a Qdrant payload index key, or undefined for the adapter's own keys. */
export function callerKeyPath(qdrantKey: string): string | undefined {
  const prefix = `${payloadField}.`;
  return qdrantKey.startsWith(prefix) ? qdrantKey.slice(prefix.length) : undefined;
}
