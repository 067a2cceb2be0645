import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { type FieldViolation, truncate } from "./violations.js";

/**
 * The one map key protobuf-es cannot keep: decoding assigns it to a plain object, which
 * sets the object's prototype instead of adding an entry, so the entry is gone before any
 * validator sees the message.
 */
export const prototypeKey = "__proto__";

/** The violation of a map (a map field or a `google.protobuf.Struct`) holding {@link prototypeKey}. */
export function prototypeKeyViolation(field: string): FieldViolation {
  return { field, description: `"${prototypeKey}" is not allowed as a key` };
}

const marker = Buffer.from(prototypeKey);

/**
 * Whether a message of `desc` can hold a map key anywhere: a map field or a
 * `google.protobuf.Struct`, directly or in a nested message. Only such messages need
 * {@link prototypeKeyInBinary}.
 */
export function canHoldMapKeys(desc: DescMessage): boolean {
  return holdsMapKeys(desc, new Set());
}

function holdsMapKeys(desc: DescMessage, seen: Set<string>): boolean {
  if (seen.has(desc.typeName)) return false;
  seen.add(desc.typeName);
  return desc.fields.some((field) => {
    if (field.fieldKind === "map") return true;
    const nested = messageOf(field);
    return nested !== undefined && holdsMapKeys(nested, seen);
  });
}

/**
 * The violation of the first map holding the key {@link prototypeKey} in the binary
 * encoding of a `desc` message, found by walking the wire format (map keys are checked
 * as sent, before protobuf-es decodes them). Field paths are those of the validators:
 * proto names, list indexes, and map or Struct keys (`points[0].payload["meta"]`).
 * Undefined when there is none, or when the bytes are malformed (decoding reports that).
 */
export function prototypeKeyInBinary(
  desc: DescMessage,
  bytes: Uint8Array,
): FieldViolation | undefined {
  if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(marker) < 0) {
    return undefined;
  }
  try {
    const field = findInMessage(desc, bytes, "");
    return field === undefined ? undefined : prototypeKeyViolation(field);
  } catch {
    return undefined;
  }
}

/** The well-known types that read as JSON: their fields do not appear in field paths. */
const jsonTypes = new Set([
  "google.protobuf.Struct",
  "google.protobuf.Value",
  "google.protobuf.ListValue",
]);

/** The path of `field` of a `desc` message at `path`. */
export function fieldPath(desc: DescMessage, field: DescField, path: string): string {
  if (jsonTypes.has(desc.typeName)) return path;
  return path === "" ? field.name : `${path}.${field.name}`;
}

/** The path of the entry `key` of the map at `path`. */
export function keyPath(path: string, key: string): string {
  return `${path}[${JSON.stringify(truncate(key))}]`;
}

/** The message type of a message field, a list of messages or a map of messages. */
export function messageOf(field: DescField): DescMessage | undefined {
  switch (field.fieldKind) {
    case "message":
      return field.message;
    case "list":
      return field.listKind === "message" ? field.message : undefined;
    case "map":
      return field.mapKind === "message" ? field.message : undefined;
    default:
      return undefined;
  }
}

function findInMessage(desc: DescMessage, bytes: Uint8Array, path: string): string | undefined {
  const reader = new BinaryReader(bytes);
  const listLengths = new Map<number, number>();
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    const field = desc.fields.find((candidate) => candidate.number === number);
    const nested = field === undefined ? undefined : messageOf(field);
    if (field === undefined || wireType !== WireType.LengthDelimited) {
      reader.skip(wireType, number);
      continue;
    }
    const at = fieldPath(desc, field, path);
    let found: string | undefined;
    if (field.fieldKind === "map") {
      found = findInEntry(field, reader.bytes(), at);
    } else if (nested === undefined) {
      reader.skip(wireType, number);
    } else if (field.fieldKind === "list") {
      const index = listLengths.get(number) ?? 0;
      listLengths.set(number, index + 1);
      found = findInMessage(nested, reader.bytes(), `${at}[${index}]`);
    } else {
      found = findInMessage(nested, reader.bytes(), at);
    }
    if (found !== undefined) return found;
  }
  return undefined;
}

function findInEntry(
  field: DescField & { fieldKind: "map" },
  entry: Uint8Array,
  path: string,
): string | undefined {
  const reader = new BinaryReader(entry);
  let key = "";
  let value: Uint8Array | undefined;
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (number === 1 && wireType === WireType.LengthDelimited) {
      if (field.mapKey === ScalarType.STRING) key = reader.string();
      else reader.skip(wireType, number);
    } else if (
      number === 2 &&
      wireType === WireType.LengthDelimited &&
      field.mapKind === "message"
    ) {
      value = reader.bytes();
    } else {
      reader.skip(wireType, number);
    }
  }
  if (key === prototypeKey) return path;
  if (value === undefined || field.mapKind !== "message") return undefined;
  return findInMessage(field.message, value, keyPath(path, key));
}
