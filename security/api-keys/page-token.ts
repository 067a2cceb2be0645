const base64url = /^[A-Za-z0-9_-]{1,24}$/;
const position = /^p(0|[1-9][0-9]{0,14})$/;

/**
 * The opaque token of a key page that starts at `index` in creation order. Keys are never
 * deleted and every replica applies them in the log's order, so an index means the same
 * place on every replica.
 */
export function encodeKeyPageToken(index: number): string {
  return Buffer.from(`p${index}`, "utf8").toString("base64url");
}

/** The index a token from {@link encodeKeyPageToken} stands for; undefined for anything else. */
export function decodeKeyPageToken(token: string): number | undefined {
  if (!base64url.test(token)) return undefined;
  const match = position.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (match?.[1] === undefined) return undefined;
  const index = Number(match[1]);
  return encodeKeyPageToken(index) === token ? index : undefined;
}
