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
const utf8 = new TextEncoder();
const text = new TextDecoder("utf-8", { fatal: true });

/**
 * The bytes an event's content is sealed as: `[1][u32 content type length][content
 * type][u32 subject length][subject][u32 header count]{[u32 name length][name][u32 value
 * length][value]}[payload]`, lengths big-endian in bytes of UTF-8. The payload runs to the
 * end, so it is copied once and never re-encoded.
 */
export function encodeEventContent(content: EventContent): Uint8Array {
  const parts: Uint8Array[] = [utf8.encode(content.contentType), utf8.encode(content.subject)];
  const entries = Object.entries(content.headers);
  const encodedHeaders = entries.flatMap(([name, value]) => [
    utf8.encode(name),
    utf8.encode(value),
  ]);
  let size = 1 + 4 + 4 + 4 + content.payload.length;
  for (const part of parts) size += part.length;
  for (const part of encodedHeaders) size += 4 + part.length;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes[0] = version;
  let at = 1;
  const put = (part: Uint8Array) => {
    view.setUint32(at, part.length);
    bytes.set(part, at + 4);
    at += 4 + part.length;
  };
  for (const part of parts) put(part);
  view.setUint32(at, entries.length);
  at += 4;
  for (const part of encodedHeaders) put(part);
  bytes.set(content.payload, at);
  return bytes;
}

/** The inverse of {@link encodeEventContent}; throws `RangeError` for malformed bytes. */
export function decodeEventContent(bytes: Uint8Array): EventContent {
  if (bytes[0] !== version) throw new RangeError("sealed event content: unknown version");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 1;
  const length = (): number => {
    if (at + 4 > bytes.length) throw new RangeError("sealed event content: truncated");
    const value = view.getUint32(at);
    at += 4;
    return value;
  };
  const string = (): string => {
    const size = length();
    if (at + size > bytes.length) throw new RangeError("sealed event content: truncated");
    const value = text.decode(bytes.subarray(at, at + size));
    at += size;
    return value;
  };
  const contentType = string();
  const subject = string();
  const count = length();
  const headers: [string, string][] = [];
  for (let index = 0; index < count; index++) headers.push([string(), string()]);
  return {
    payload: new Uint8Array(
      bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + bytes.length),
    ),
    contentType,
    headers: Object.fromEntries(headers),
    subject,
  };
}
