import type { ErasurePosition } from "../../compliance/job-store.js";

/** A decoded ListErasures page token: where the next page starts, or why it cannot be used. */
export type ErasureToken =
  | { readonly kind: "valid"; readonly after: ErasurePosition | undefined }
  | { readonly kind: "invalid" };

const base64url = /^[A-Za-z0-9_-]+$/;
const jobId = /^[0-9a-f-]{36}$/;
const maxTokenLength = 200;

/** The opaque token of the page after the one that ended at `last`: base64url of `<start ms>.<id>`. */
export function encodeErasureToken(last: ErasurePosition): string {
  return Buffer.from(`${last.startTime}.${last.id}`, "utf8").toString("base64url");
}

/** Reads a ListErasures `page_token`: empty for the first page, else one we issued. */
export function decodeErasureToken(token: string): ErasureToken {
  if (token === "") return { kind: "valid", after: undefined };
  if (token.length > maxTokenLength || !base64url.test(token)) return { kind: "invalid" };
  const text = Buffer.from(token, "base64url").toString("utf8");
  const dot = text.indexOf(".");
  const startTime = Number(text.slice(0, dot));
  const id = text.slice(dot + 1);
  if (dot < 1 || !Number.isSafeInteger(startTime) || startTime < 0 || !jobId.test(id)) {
    return { kind: "invalid" };
  }
  const after = { startTime, id };
  return encodeErasureToken(after) === token ? { kind: "valid", after } : { kind: "invalid" };
}
