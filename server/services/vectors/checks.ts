import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { parseKeyPath } from "../../../clients/vectors/key-path.js";
import type { Condition, Filter, PayloadIndex } from "../../../gen/ragplane/v1/vectors_pb.js";
import { limits } from "../../limits.js";
import { isReservedKey } from "../../lineage/fields.js";
import { reservedKeyRefused } from "../../lineage/reserved.js";
import { truncate, utf8Length, type Violations } from "../../validation/violations.js";
import { knownPayloadIndexTypes, scalarOf } from "./convert.js";

/** Most values in one `any` condition (the proto's documented limit). */
export const maxAnyValues = 1000;
/** Most payload indexes on one collection (the proto's documented limit). */
export const maxPayloadIndexes = 64;

/** A vector: 1 to `limits.maxDimension` values, each finite as a 32-bit float. */
export function checkVector(v: Violations, field: string, vector: readonly number[]): boolean {
  if (vector.length === 0) return v.add(field, "must not be empty");
  if (vector.length > limits.maxDimension) {
    return v.add(field, `must have at most ${limits.maxDimension} values`);
  }
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(Math.fround(vector[i] as number))) {
      return v.add(`${field}[${i}]`, "must be a finite 32-bit float");
    }
  }
  return true;
}

/** A payload key: a valid path (`meta.lang`, `tags[].name`) of at most 256 bytes. */
export function checkKey(v: Violations, field: string, key: string): boolean {
  if (key.length === 0) return v.add(field, "must not be empty");
  if (utf8Length(key) > limits.maxIdBytes) {
    return v.add(field, `must be at most ${limits.maxIdBytes} bytes`);
  }
  if (parseKeyPath(key) === undefined) {
    return v.add(field, 'must be a dotted path such as "meta.lang" or "tags[].name"');
  }
  return true;
}

/**
 * A payload whose numbers are all finite (JSON cannot hold NaN or infinities) and whose
 * top-level keys are not reserved (see `reservedKeyPrefix`).
 */
export function checkPayload(
  v: Violations,
  field: string,
  payload: JsonObject | undefined,
): boolean {
  if (payload === undefined) return true;
  let ok = true;
  for (const key in payload) {
    if (isReservedKey(key))
      ok = v.add(`${field}[${JSON.stringify(truncate(key))}]`, reservedKeyRefused);
  }
  if (!allFinite(payload)) ok = v.add(field, "numbers must be finite");
  return ok;
}

function allFinite(value: JsonValue): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) return value.every(allFinite);
  return Object.values(value).every(allFinite);
}

/** Payload indexes: at most 64, known types, valid and distinct keys. */
export function checkPayloadIndexes(
  v: Violations,
  field: string,
  indexes: readonly PayloadIndex[],
) {
  if (indexes.length > maxPayloadIndexes) {
    v.add(field, `must hold at most ${maxPayloadIndexes} indexes`);
    return;
  }
  const seen = new Set<string>();
  indexes.forEach((index, i) => {
    if (checkKey(v, `${field}[${i}].key`, index.key) && seen.has(index.key)) {
      v.add(`${field}[${i}].key`, `repeats "${index.key}"`);
    }
    seen.add(index.key);
    v.enumValue(`${field}[${i}].type`, index.type, knownPayloadIndexTypes);
  });
}

/** Most sensitive fields on one collection (the proto's documented limit). */
export const maxSensitiveFields = 64;

/**
 * Sensitive fields: at most 64 distinct top-level keys of 1 to 256 bytes, none reserved,
 * and none the start of a payload index's key (the engine would index ciphertext).
 */
export function checkSensitiveFields(
  v: Violations,
  field: string,
  fields: readonly string[],
  indexes: readonly PayloadIndex[],
): void {
  if (fields.length > maxSensitiveFields) {
    v.add(field, `must hold at most ${maxSensitiveFields} fields`);
    return;
  }
  const indexed = new Set(indexes.map((index) => topLevelKey(index.key) ?? index.key));
  const seen = new Set<string>();
  fields.forEach((key, i) => {
    const path = `${field}[${i}]`;
    if (key.length === 0) v.add(path, "must not be empty");
    else if (utf8Length(key) > limits.maxIdBytes)
      v.add(path, `must be at most ${limits.maxIdBytes} bytes`);
    else if (isReservedKey(key)) v.add(path, reservedKeyRefused);
    else if (seen.has(key)) v.add(path, `repeats "${truncate(key)}"`);
    else if (indexed.has(key))
      v.add(path, `has a payload index: "${truncate(key)}" cannot be both indexed and encrypted`);
    seen.add(key);
  });
}

/** The top-level key a valid key path starts at; undefined when it is not a valid path. */
function topLevelKey(key: string): string | undefined {
  const first = parseKeyPath(key)?.[0];
  return first?.kind === "key" ? first.key : undefined;
}

/** A filter: at most 64 conditions in all, each well-formed. */
export function checkFilter(v: Violations, field: string, filter: Filter | undefined): void {
  if (filter === undefined) return;
  const total = filter.must.length + filter.should.length + filter.mustNot.length;
  if (total > limits.maxFilterConditions) {
    v.add(field, `must hold at most ${limits.maxFilterConditions} conditions in all`);
    return;
  }
  const clauses = [
    ["must", filter.must],
    ["should", filter.should],
    ["must_not", filter.mustNot],
  ] as const;
  for (const [name, conditions] of clauses) {
    for (const [i, condition] of conditions.entries()) {
      checkCondition(v, `${field}.${name}[${i}]`, condition);
    }
  }
}

function checkCondition(v: Violations, field: string, condition: Condition): void {
  if (checkKey(v, `${field}.key`, condition.key) && isReservedPath(condition.key)) {
    v.add(`${field}.key`, reservedKeyRefused);
  }
  const { test } = condition;
  switch (test.case) {
    case "match":
      if (!isScalar(test.value.value)) {
        v.add(`${field}.match.value`, "must be a string, a finite number or a boolean");
      }
      return;
    case "any": {
      const values = test.value.values;
      if (values.length === 0) v.add(`${field}.any.values`, "must not be empty");
      else if (values.length > maxAnyValues) {
        v.add(`${field}.any.values`, `must hold at most ${maxAnyValues} values`);
      } else {
        const bad = values.findIndex((value) => !isScalar(value));
        if (bad >= 0) {
          v.add(`${field}.any.values[${bad}]`, "must be a string, a finite number or a boolean");
        }
      }
      return;
    }
    case "range": {
      const bounds = (["gt", "gte", "lt", "lte"] as const).filter(
        (bound) => test.value[bound] !== undefined,
      );
      if (bounds.length === 0) v.add(`${field}.range`, "must set at least one of gt, gte, lt, lte");
      for (const bound of bounds) {
        if (Number.isNaN(test.value[bound])) v.add(`${field}.range.${bound}`, "must be a number");
      }
      return;
    }
    default:
      v.add(field, "must set exactly one of match, any, range");
  }
}

/** Whether a valid key path starts at a reserved top-level key. */
function isReservedPath(key: string): boolean {
  const first = topLevelKey(key);
  return first !== undefined && isReservedKey(first);
}

function isScalar(value: Parameters<typeof scalarOf>[0]): boolean {
  const scalar = scalarOf(value);
  return scalar !== undefined && (typeof scalar !== "number" || Number.isFinite(scalar));
}
