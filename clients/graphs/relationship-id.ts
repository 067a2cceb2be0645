import { createHash } from "node:crypto";

/** Prefix of every derived relationship id. */
export const derivedRelationshipIdPrefix = "rel-";

/**
 * The id of a relationship upserted without one, identified by (fromId, type, toId):
 * `"rel-"` followed by the first 32 hex digits (128 bits) of the SHA-256 of the UTF-8 text
 * `<type>:<byte length of fromId>:<fromId><toId>`. The length prefix makes the encoding
 * unambiguous (a type never contains ':'), so distinct triples never share an input.
 * The tenant is not part of it: clients can compute the id themselves, and ids are scoped
 * per tenant anyway. Every adapter uses this function, so ids survive a change of engine.
 */
export function deriveRelationshipId(fromId: string, type: string, toId: string): string {
  const input = `${type}:${Buffer.byteLength(fromId, "utf8")}:${fromId}${toId}`;
  const digest = createHash("sha256").update(input, "utf8").digest("hex");
  return `${derivedRelationshipIdPrefix}${digest.slice(0, 32)}`;
}

/** The id a relationship input is stored under: its own, or the derived one. */
export function relationshipIdOf(input: {
  readonly id?: string;
  readonly fromId: string;
  readonly type: string;
  readonly toId: string;
}): string {
  return input.id ? input.id : deriveRelationshipId(input.fromId, input.type, input.toId);
}
