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
 * length][value]}[payload]`, lengths big-endian in bytes of UTF-8. Returned as two parts,
 * everything before the payload and the payload itself, so that sealing never copies the
 * payload into a buffer of its own (`seal` takes parts).
 */
export function encodeEventContent(content: EventContent): readonly [Uint8Array, Uint8Array] {
  const { payload, contentType, subject } = content;
  const entries = Object.entries(content.headers);
  let size = 1 + 4 + 4 + 4;
  size += Buffer.byteLength(contentType) + Buffer.byteLength(subject);
  for (const [name, value] of entries)
    size += 8 + Buffer.byteLength(name) + Buffer.byteLength(value);
  const head = Buffer.allocUnsafe(size);
  head[0] = version;
  let at = putText(head, 1, contentType);
  at = putText(head, at, subject);
  head.writeUInt32BE(entries.length, at);
  at += 4;
  for (const [name, value] of entries) at = putText(head, putText(head, at, name), value);
  return [head, payload];
}

/** Writes `[u32 length][UTF-8 text]` at `at`; returns where the next field starts. */
function putText(bytes: Buffer, at: number, text: string): number {
  const written = text.length === 0 ? 0 : bytes.write(text, at + 4, "utf8");
  bytes.writeUInt32BE(written, at);
  return at + 4 + written;
}

/**
 * The inverse of {@link encodeEventContent}, given its parts as one buffer (as `open`
 * returns them); the payload is a view of `sealed`, not a copy. Throws `RangeError` for
 * malformed bytes.
 */
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
  const payload = new Uint8Array(bytes.buffer, bytes.byteOffset + at, bytes.length - at);
  return { payload, contentType, headers: Object.fromEntries(headers), subject };
}
