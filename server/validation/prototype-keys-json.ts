import type { DescField, DescMessage } from "@bufbuild/protobuf";
import {
  fieldPath,
  keyPath,
  messageOf,
  prototypeKey,
  prototypeKeyViolation,
} from "./prototype-keys.js";
import type { FieldViolation } from "./violations.js";

const markers = [Buffer.from(prototypeKey), Buffer.from("\\u")];

/**
 * The violation of the first map holding the key `__proto__` in the JSON encoding of a
 * `desc` message (UTF-8 bytes), the JSON counterpart of `prototypeKeyInBinary`: JSON.parse
 * keeps the key, protobuf-es then drops it. The JSON is parsed only when its text holds
 * `__proto__` or a `\u` escape (which could spell it). Undefined when there is none, or
 * when the text is not JSON (decoding reports that).
 */
export function prototypeKeyInJson(
  desc: DescMessage,
  bytes: Uint8Array,
): FieldViolation | undefined {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (markers.every((marker) => text.indexOf(marker) < 0)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text.toString("utf8"));
  } catch {
    return undefined;
  }
  const field = findInMessage(desc, json, "");
  return field === undefined ? undefined : prototypeKeyViolation(field);
}

type JsonObject = { readonly [key: string]: unknown };

function isObject(json: unknown): json is JsonObject {
  return typeof json === "object" && json !== null && !Array.isArray(json);
}

function own(json: JsonObject, name: string): unknown {
  return Object.hasOwn(json, name) ? json[name] : undefined;
}

function findInMessage(desc: DescMessage, json: unknown, path: string): string | undefined {
  switch (desc.typeName) {
    case "google.protobuf.Struct":
      return findInStruct(json, path);
    case "google.protobuf.Value":
      return findInValue(json, path);
    case "google.protobuf.ListValue":
      return findInList(json, path, findInValue);
  }
  if (!isObject(json)) return undefined;
  for (const field of desc.fields) {
    const value = own(json, field.jsonName) ?? own(json, field.name);
    if (value === undefined || value === null) continue;
    const found = findInField(field, value, fieldPath(desc, field, path));
    if (found !== undefined) return found;
  }
  return undefined;
}

function findInField(field: DescField, value: unknown, path: string): string | undefined {
  const nested = messageOf(field);
  if (field.fieldKind === "map") {
    if (!isObject(value)) return undefined;
    if (Object.hasOwn(value, prototypeKey)) return path;
    if (nested === undefined) return undefined;
    for (const [key, entry] of Object.entries(value)) {
      const found = findInMessage(nested, entry, keyPath(path, key));
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (nested === undefined) return undefined;
  if (field.fieldKind === "list") {
    return findInList(value, path, (item, itemPath) => findInMessage(nested, item, itemPath));
  }
  return findInMessage(nested, value, path);
}

function findInStruct(json: unknown, path: string): string | undefined {
  if (!isObject(json)) return undefined;
  if (Object.hasOwn(json, prototypeKey)) return path;
  for (const [key, value] of Object.entries(json)) {
    const found = findInValue(value, keyPath(path, key));
    if (found !== undefined) return found;
  }
  return undefined;
}

function findInValue(json: unknown, path: string): string | undefined {
  return Array.isArray(json) ? findInList(json, path, findInValue) : findInStruct(json, path);
}

function findInList(
  json: unknown,
  path: string,
  findInItem: (item: unknown, itemPath: string) => string | undefined,
): string | undefined {
  if (!Array.isArray(json)) return undefined;
  for (const [index, item] of json.entries()) {
    const found = findInItem(item, `${path}[${index}]`);
    if (found !== undefined) return found;
  }
  return undefined;
}
