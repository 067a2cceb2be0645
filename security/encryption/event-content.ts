/** Event header names starting with this are ragplane's own; producers may not use them. */
export const reservedHeaderPrefix = "_rp_";

/** The header of a sealed event at rest: the id of the data key it was sealed with. */
export const sealedHeader = "_rp_sealed";

/** The parts of an event that are sealed at rest: everything but its id, key and time. */
export interface EventContent {
  readonly payload: Uint8Array;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly subject: string;
}

const version = 1;

/**
 * The bytes an event's content is sealed as: `[1][u32 content type length][content
 * type][u32 subject length][subject][u32 header count]{[u32 name length][name][u32 value
 * length][value]}[payload]`, lengths big-endian in bytes of UTF-8. The payload runs to the
 * end, so it is copied once and never re-encoded.
 */
export function encodeEventContent(content: EventContent): Uint8Array {
  const { payload, contentType, subject } = content;
  const entries = Object.entries(content.headers);
  let size = 1 + 4 + 4 + 4 + payload.length;
  size += Buffer.byteLength(contentType) + Buffer.byteLength(subject);
  for (const [name, value] of entries)
    size += 8 + Buffer.byteLength(name) + Buffer.byteLength(value);
  const bytes = Buffer.allocUnsafe(size);
  bytes[0] = version;
  let at = 1;
  const put = (text: string): void => {
    const written = bytes.write(text, at + 4, "utf8");
    bytes.writeUInt32BE(written, at);
    at += 4 + written;
  };
  put(contentType);
  put(subject);
  bytes.writeUInt32BE(entries.length, at);
  at += 4;
  for (const [name, value] of entries) {
    put(name);
    put(value);
  }
  bytes.set(payload, at);
  return bytes;
}

/** The inverse of {@link encodeEventContent}; throws `RangeError` for malformed bytes. */
export function decodeEventContent(sealed: Uint8Array): EventContent {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (bytes[0] !== version) throw new RangeError("sealed event content: unknown version");
  let at = 1;
  const length = (): number => {
    if (at + 4 > bytes.length) throw new RangeError("sealed event content: truncated");
    const value = bytes.readUInt32BE(at);
    at += 4;
    return value;
  };
  const string = (): string => {
    const size = length();
    if (at + size > bytes.length) throw new RangeError("sealed event content: truncated");
    const value = bytes.toString("utf8", at, at + size);
    at += size;
    return value;
  };
  const contentType = string();
  const subject = string();
  const count = length();
  const headers: [string, string][] = [];
  for (let index = 0; index < count; index++) headers.push([string(), string()]);
  const payload = new Uint8Array(bytes.length - at);
  payload.set(bytes.subarray(at));
  return { payload, contentType, headers: Object.fromEntries(headers), subject };
}
