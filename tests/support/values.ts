import { fromJson, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { type Value, ValueSchema } from "@bufbuild/protobuf/wkt";

/** A `google.protobuf.Value` from plain JSON. */
export function value(json: JsonValue): Value {
  return fromJson(ValueSchema, json);
}

/** A `map<string, google.protobuf.Value>` from a plain JSON object. */
export function values(json: JsonObject): Record<string, Value> {
  return Object.fromEntries(Object.entries(json).map(([key, item]) => [key, value(item ?? null)]));
}

/** A `map<string, google.protobuf.Value>` back to plain JSON, for assertions. */
export function plain(map: Record<string, Value>): JsonObject {
  return Object.fromEntries(
    Object.entries(map).map(([key, item]) => [
      key,
      item.kind.case === undefined ? null : toJsonValue(item),
    ]),
  );
}

function toJsonValue(item: Value): JsonValue {
  switch (item.kind.case) {
    case "listValue":
      return item.kind.value.values.map(toJsonValue);
    case "structValue":
      return plainStruct(item.kind.value.fields);
    case "nullValue":
    case undefined:
      return null;
    default:
      return item.kind.value;
  }
}

function plainStruct(fields: Record<string, Value>): JsonObject {
  return Object.fromEntries(Object.entries(fields).map(([key, item]) => [key, toJsonValue(item)]));
}
