/** A decoded `page_token`: where the next page starts, or why it cannot be used. */
export type PageToken =
  | { readonly kind: "valid"; readonly after: string | undefined }
  | { readonly kind: "invalid" };

const base64url = /^[A-Za-z0-9_-]+$/;
const topicName = /^[A-Za-z0-9._-]{1,200}$/;

/** The opaque token for the page after the one that ended at `lastName` (base64url of it). */
export function encodePageToken(lastName: string): string {
  return Buffer.from(lastName, "utf8").toString("base64url");
}

/**
 * Reads a `page_token`: empty means the first page; anything else must be a token this
 * server issued (canonical base64url of a topic name).
 */
export function decodePageToken(token: string): PageToken {
  if (token === "") return { kind: "valid", after: undefined };
  if (token.length > 400 || !base64url.test(token)) return { kind: "invalid" };
  const name = Buffer.from(token, "base64url").toString("utf8");
  if (!topicName.test(name) || encodePageToken(name) !== token) return { kind: "invalid" };
  return { kind: "valid", after: name };
}
