import type { JsonObject } from "@bufbuild/protobuf";
import { limits } from "../../limits.js";
import { utf8Length } from "../../validation/violations.js";

/** The payload key whose list of strings names the node ids a point mentions. */
export const entityIdsKey = "entity_ids";

/** Most entities read from one hit's payload; later ones are ignored. */
export const maxEntitiesPerHit = 32;

/**
 * The entities a point mentions: the strings of its payload's `entity_ids` list, in
 * order, each once, at most {@link maxEntitiesPerHit}. Entries that could not be node ids
 * (not a string, empty, longer than `limits.maxIdBytes` bytes, holding NUL) are skipped;
 * a payload without such a list mentions none.
 */
export function entityIdsOf(payload: JsonObject | undefined): string[] {
  const listed = payload?.[entityIdsKey];
  if (!Array.isArray(listed)) return [];
  const ids = new Set<string>();
  for (const entry of listed) {
    if (ids.size === maxEntitiesPerHit) break;
    if (isNodeId(entry)) ids.add(entry);
  }
  return [...ids];
}

function isNodeId(value: unknown): value is string {
  return (
    typeof value === "string" &&
    value.length > 0 &&
    !value.includes("\u0000") &&
    utf8Length(value) <= limits.maxIdBytes
  );
}
