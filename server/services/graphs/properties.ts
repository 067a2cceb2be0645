import type { Value } from "@bufbuild/protobuf/wkt";
import { limits } from "../../limits.js";
import { isReservedKey } from "../../lineage/fields.js";
import { reservedKeyRefused } from "../../lineage/reserved.js";
import { nulRefused, truncate, utf8Length, type Violations } from "../../validation/violations.js";

type ScalarKind = "stringValue" | "numberValue" | "boolValue";

const scalarNames: Record<ScalarKind, string> = {
  stringValue: "string",
  numberValue: "number",
  boolValue: "boolean",
};

/**
 * Checks a `map<string, google.protobuf.Value>` of node or relationship properties by
 * Neo4j's rule: at most `limits.maxProperties` entries, keys of 1 to `limits.maxIdBytes`
 * bytes, none reserved (see `reservedKeyPrefix`), each value a string, finite number or
 * boolean, or a list of them all of one type; no key or string holds NUL (U+0000), which
 * Neo4j cannot store.
 * Nulls (in or out of lists), objects and nested lists are refused. An entry's path is
 * `<field>["<key>"]`, a list element's `<field>["<key>"][i]`.
 */
export function checkProperties(
  v: Violations,
  field: string,
  properties: { readonly [key: string]: Value },
): void {
  const keys = Object.keys(properties);
  if (keys.length > limits.maxProperties) {
    v.add(field, `must hold at most ${limits.maxProperties} entries`);
  }
  for (const key of keys) {
    const path = `${field}[${JSON.stringify(truncate(key))}]`;
    if (key.length === 0) v.add(path, "key must not be empty");
    else if (key.includes("\u0000")) v.add(path, `key ${nulRefused}`);
    else if (utf8Length(key) > limits.maxIdBytes) {
      v.add(path, `key must be at most ${limits.maxIdBytes} bytes`);
    } else if (isReservedKey(key)) {
      v.add(path, `key ${reservedKeyRefused}`);
    }
    checkValue(v, path, properties[key]!);
  }
}

function checkValue(v: Violations, path: string, value: Value): void {
  const { kind } = value;
  if (kind.case === "listValue") {
    checkList(v, path, kind.value.values);
    return;
  }
  checkScalar(v, path, value);
}

function checkList(v: Violations, path: string, values: readonly Value[]): void {
  let first: ScalarKind | undefined;
  values.forEach((item, index) => {
    const itemPath = `${path}[${index}]`;
    if (item.kind.case === "listValue") {
      v.add(itemPath, "must be a scalar: lists do not nest");
      return;
    }
    const kind = checkScalar(v, itemPath, item);
    if (kind === undefined) return;
    if (first === undefined) first = kind;
    else if (kind !== first) {
      v.add(itemPath, `must be a ${scalarNames[first]} like the list's first element`);
    }
  });
}

/** Records what is wrong with a non-list value; returns its kind when it is a valid scalar. */
function checkScalar(v: Violations, path: string, value: Value): ScalarKind | undefined {
  const { kind } = value;
  switch (kind.case) {
    case "stringValue":
      if (!kind.value.includes("\u0000")) return kind.case;
      v.add(path, nulRefused);
      return undefined;
    case "boolValue":
      return kind.case;
    case "numberValue":
      if (Number.isFinite(kind.value)) return kind.case;
      v.add(path, "must be a finite number");
      return undefined;
    case "nullValue":
      v.add(path, "must not be null");
      return undefined;
    case "structValue":
      v.add(path, "must be a string, number, boolean or list of one of them, not an object");
      return undefined;
    default:
      v.add(path, "must be set");
      return undefined;
  }
}
