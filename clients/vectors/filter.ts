import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { anyValueAt, type PathStep, parseKeyPath } from "./key-path.js";

/** A value a `match` or `any` condition compares with: strings, numbers and booleans only. */
export type FilterScalar = string | number | boolean;

/** Numeric bounds; every bound that is set must hold. */
export interface RangeBounds {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
}

/** Equality with one value. */
export interface MatchCondition {
  /** Payload key path, e.g. `meta.lang` or `tags[].name`. */
  readonly key: string;
  readonly match: FilterScalar;
}

/** Equality with any of several values. */
export interface AnyCondition {
  /** Payload key path. */
  readonly key: string;
  readonly any: readonly FilterScalar[];
}

/** A numeric range. Non-numeric values never satisfy it. */
export interface RangeCondition {
  /** Payload key path. */
  readonly key: string;
  readonly range: RangeBounds;
}

/**
 * One test of one payload key. When the key selects an array (or several values), the
 * condition holds if any of the values satisfies it; a missing key satisfies nothing.
 */
export type Condition = MatchCondition | AnyCondition | RangeCondition;

/**
 * Qdrant's boolean filter: every `must` condition holds, at least one `should` condition
 * holds when any are given, and no `mustNot` condition holds. Empty filters match all.
 */
export interface PointFilter {
  readonly must?: readonly Condition[];
  readonly should?: readonly Condition[];
  readonly mustNot?: readonly Condition[];
}

/** A compiled filter: tells whether a point's payload matches. */
export type PayloadPredicate = (payload: JsonObject) => boolean;

/** The number of conditions in a filter, over must, should and mustNot. */
export function conditionCount(filter: PointFilter): number {
  return (filter.must?.length ?? 0) + (filter.should?.length ?? 0) + (filter.mustNot?.length ?? 0);
}

/** Whether a filter has no conditions at all (and so matches every point). */
export function isEmptyFilter(filter: PointFilter | undefined): boolean {
  return filter === undefined || conditionCount(filter) === 0;
}

/**
 * Compiles a filter once into a predicate that is cheap to run over many payloads: key
 * paths are parsed up front and evaluation allocates nothing. A key that is not a valid
 * path (validation rejects those) is treated as one literal object key.
 */
export function compileFilter(filter: PointFilter): PayloadPredicate {
  const must = (filter.must ?? []).map(compileCondition);
  const should = (filter.should ?? []).map(compileCondition);
  const mustNot = (filter.mustNot ?? []).map(compileCondition);
  return (payload) => {
    for (const test of must) if (!test(payload)) return false;
    for (const test of mustNot) if (test(payload)) return false;
    if (should.length === 0) return true;
    for (const test of should) if (test(payload)) return true;
    return false;
  };
}

/** Whether a payload matches a filter (exact, Qdrant semantics). */
export function matchesFilter(payload: JsonObject, filter: PointFilter): boolean {
  return compileFilter(filter)(payload);
}

function compileCondition(condition: Condition): PayloadPredicate {
  const steps: readonly PathStep[] = parseKeyPath(condition.key) ?? [
    { kind: "key", key: condition.key },
  ];
  const test = compileTest(condition);
  const keys = steps.every((step) => step.kind === "key") ? steps.map((step) => step.key) : [];
  if (keys.length === 1) {
    const key = keys[0] as string;
    return (payload) => testValue(payload[key], test);
  }
  if (keys.length === 2) {
    const [outer, inner] = keys as [string, string];
    return (payload) => {
      const parent = payload[outer];
      return (
        typeof parent === "object" &&
        parent !== null &&
        !Array.isArray(parent) &&
        testValue(parent[inner], test)
      );
    };
  }
  return (payload) => anyValueAt(payload, steps, 0, test);
}

/**
 * Tests the value at the end of a path of object keys. Plain property reads are safe on
 * parsed JSON: a key missing from the payload yields undefined or an inherited function
 * or object, none of which satisfies a test.
 */
function testValue(value: JsonValue | undefined, test: (value: JsonValue) => boolean): boolean {
  if (value === undefined) return false;
  if (!Array.isArray(value)) return test(value);
  for (const element of value) if (test(element)) return true;
  return false;
}

function compileTest(condition: Condition): (value: JsonValue) => boolean {
  if ("match" in condition) {
    const expected = condition.match;
    return (value) => value === expected;
  }
  if ("any" in condition) {
    const expected = new Set<JsonValue>(condition.any);
    return (value) => (typeof value !== "object" || value === null) && expected.has(value);
  }
  const { gt, gte, lt, lte } = condition.range;
  return (value) =>
    typeof value === "number" &&
    (gt === undefined || value > gt) &&
    (gte === undefined || value >= gte) &&
    (lt === undefined || value < lt) &&
    (lte === undefined || value <= lte);
}
