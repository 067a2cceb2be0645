import type { Schemas } from "@qdrant/js-client-rest";
import type { Condition, FilterScalar, PointFilter, RangeBounds } from "../filter.js";
import { scopeOf } from "./layout.js";
import { qdrantKeyPath, scopeField, tenantField } from "./payload.js";

/** A Qdrant filter, as the REST API takes it. */
export type QdrantFilter = Schemas["Filter"];
/** One Qdrant condition: a field condition, `has_id`, or a nested filter. */
export type QdrantCondition = Schemas["Condition"];

/** A condition no point satisfies (`has_id` of no ids). */
export const matchNothing: QdrantCondition = { has_id: [] };

/**
 * The conditions that keep one tenant's collection's points only: its scope (the
 * `is_tenant` key Qdrant partitions by) and, as a second guard, its tenant.
 */
export function scopeConditions(tenant: string, collection: string): QdrantCondition[] {
  return [
    { key: scopeField, match: { value: scopeOf(tenant, collection) } },
    { key: tenantField, match: { value: tenant } },
  ];
}

/**
 * Translates a filter to Qdrant's, scoped to a tenant's collection: the scope conditions
 * and `extra` join the filter's `must`, so the filter's `should` and `must_not` keep
 * their meaning. Every caller key is read under the adapter's payload key.
 */
export function qdrantFilter(
  tenant: string,
  collection: string,
  filter: PointFilter | undefined,
  extra: readonly QdrantCondition[] = [],
): QdrantFilter {
  const must = [
    ...scopeConditions(tenant, collection),
    ...extra,
    ...(filter?.must ?? []).map(toQdrantCondition),
  ];
  const translated: QdrantFilter = { must };
  if (filter?.should?.length) translated.should = filter.should.map(toQdrantCondition);
  if (filter?.mustNot?.length) translated.must_not = filter.mustNot.map(toQdrantCondition);
  return translated;
}

/**
 * Translates one condition. Qdrant's `match.value` takes strings, integers and booleans
 * and `match.any` takes all-string or all-integer lists, so other numbers become a
 * closed range around the value (equality, numbers only, as for a match), and an `any`
 * of mixed types becomes a nested `should` of one condition per kind.
 */
export function toQdrantCondition(condition: Condition): QdrantCondition {
  const key = qdrantKeyPath(condition.key);
  if ("match" in condition) return equals(key, condition.match);
  if ("any" in condition) return anyOf(key, condition.any);
  return { key, range: qdrantRange(condition.range) };
}

function equals(key: string, value: FilterScalar): QdrantCondition {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    return { key, range: qdrantRange({ gte: value, lte: value }) };
  }
  return { key, match: { value } };
}

function anyOf(key: string, values: readonly FilterScalar[]): QdrantCondition {
  const strings = new Set<string>();
  const integers = new Set<number>();
  const others = new Set<boolean | number>();
  for (const value of values) {
    if (typeof value === "string") strings.add(value);
    else if (typeof value === "number" && Number.isSafeInteger(value)) integers.add(value);
    else others.add(value);
  }
  const parts: QdrantCondition[] = [];
  if (strings.size > 0) parts.push({ key, match: { any: [...strings] } });
  if (integers.size > 0) parts.push({ key, match: { any: [...integers] } });
  for (const value of others) parts.push(equals(key, value));
  if (parts.length === 0) return matchNothing;
  return parts.length === 1 ? (parts[0] as QdrantCondition) : { should: parts };
}

/**
 * Qdrant's range. JSON has no infinities: a bound that every finite number meets is
 * dropped, and one that none meets becomes a bound past the largest double, which no
 * stored (finite) number meets either. A range left without bounds holds for every
 * number, as it does in Qdrant and in the embedded store.
 */
export function qdrantRange(bounds: RangeBounds): Schemas["Range"] {
  const range: Schemas["Range"] = {};
  lowerBound(range, "gt", bounds.gt);
  lowerBound(range, "gte", bounds.gte);
  upperBound(range, "lt", bounds.lt);
  upperBound(range, "lte", bounds.lte);
  if (Object.keys(range).length === 0) range.gte = -Number.MAX_VALUE;
  return range;
}

function lowerBound(range: Schemas["Range"], name: "gt" | "gte", value: number | undefined) {
  if (value === undefined || value === Number.NEGATIVE_INFINITY) return;
  if (value === Number.POSITIVE_INFINITY) range.gt = Number.MAX_VALUE;
  else range[name] = value;
}

function upperBound(range: Schemas["Range"], name: "lt" | "lte", value: number | undefined) {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return;
  if (value === Number.NEGATIVE_INFINITY) range.lt = -Number.MAX_VALUE;
  else range[name] = value;
}
