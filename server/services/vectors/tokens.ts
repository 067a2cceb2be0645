import { limits } from "../../limits.js";
import { utf8Length } from "../../validation/violations.js";

/** A decoded page token or cursor: where the next page starts, or why it cannot be used. */
export type Position =
  | { readonly kind: "valid"; readonly after: string | undefined }
  | { readonly kind: "invalid" };

const base64url = /^[A-Za-z0-9_-]+$/;
const collectionName = /^[A-Za-z0-9._-]{1,200}$/;
const maxTokenLength = 400;

/**
 * The opaque token for the page after the one that ended at `last` (a collection name
 * for ListCollections, a point id for Scroll): its base64url encoding.
 */
export function encodePosition(last: string): string {
  return Buffer.from(last, "utf8").toString("base64url");
}

/** Reads a ListCollections `page_token`: empty for the first page, else one we issued. */
export function decodePageToken(token: string): Position {
  return decode(token, (name) => collectionName.test(name));
}

/** Reads a Scroll `cursor`: empty for the first page, else one we issued. */
export function decodeCursor(cursor: string): Position {
  return decode(cursor, (id) => id.length > 0 && utf8Length(id) <= limits.maxIdBytes);
}

function decode(token: string, accept: (value: string) => boolean): Position {
  if (token === "") return { kind: "valid", after: undefined };
  if (token.length > maxTokenLength || !base64url.test(token)) return { kind: "invalid" };
  const value = Buffer.from(token, "base64url").toString("utf8");
  if (!accept(value) || encodePosition(value) !== token) return { kind: "invalid" };
  return { kind: "valid", after: value };
}
