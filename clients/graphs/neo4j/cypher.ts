/**
 * The pieces of Cypher text that cannot be parameters: the adapter's own labels, checked
 * relationship types, and the relationship patterns built from them. Everything else is
 * always passed as a parameter.
 */
import { PreconditionError } from "../../errors.js";
import type { TraversalDirection } from "../port.js";

/**
 * The label every ragplane node carries besides its own labels. It starts with an
 * underscore, which `graphNamePattern` never allows, so no user label can collide with it.
 */
export const nodeLabel = "_RpNode";

/** The label of the nodes recording a tenant's maximum age of one label (see `retention.ts`). */
export const labelRetentionLabel = "_RpLabelRetention";

/** The label of the nodes recording applied schema migrations (see `migrations.ts`). */
export const migrationLabel = "_RpMigration";

/** Prefix of the name of each relationship type's uniqueness constraint on (tenant, id). */
export const relationshipConstraintPrefix = "ragplane_rel_";

/**
 * Prefix of the name of each relationship type's range index on (tenant, subject, id).
 * Not `ragplane_rel_subject_`: that is the constraint name of a type called `subject_…`.
 */
export const relationshipSubjectIndexPrefix = "ragplane_relsubject_";

/**
 * What labels and relationship types look like (the API's rule, and an identifier Neo4j
 * needs no escaping for). Only names passing it are ever written into Cypher text.
 */
export const graphNamePattern = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Whether `name` may be written into Cypher text as a label or relationship type. */
export function isGraphName(name: string): boolean {
  return graphNamePattern.test(name);
}

/**
 * Checks a name that is about to reach Neo4j, rejecting it with a `PreconditionError` on
 * `field` unless it is a graph name.
 */
export function checkGraphName(name: string, field: string): void {
  if (!isGraphName(name)) {
    throw new PreconditionError(
      `"${name.slice(0, 64)}" cannot be used in Neo4j: names must match ${graphNamePattern.source}`,
      field,
    );
  }
}

/** `checkGraphName` for each name of a list, the field of the first bad one `<field>[<i>]`. */
export function checkGraphNames(names: readonly string[], field: string): void {
  names.forEach((name, index) => {
    checkGraphName(name, `${field}[${index}]`);
  });
}

/**
 * A label or relationship type as Cypher text, backtick-quoted. Throws a `RangeError` (a
 * bug: names are checked before they get here) for anything but a graph name.
 */
export function quoteName(name: string): string {
  assertGraphName(name);
  return `\`${name}\``;
}

/** The pattern of the tenant's node `variable` whose id is the Cypher expression `id`. */
export function nodeByKey(variable: string, id: string): string {
  return `(${variable}:${nodeLabel} {tenant: $tenant, id: ${id}})`;
}

/**
 * The hint that makes the planner find node `variable` by a seek of the (tenant, id)
 * index. Without it, a plan cached while the statistics were stale can turn the lookup
 * into a scan of the whole index, for every row (measured: seconds for 2,000 ids).
 */
export function seekNode(variable: string): string {
  return `USING INDEX SEEK ${variable}:${nodeLabel}(tenant, id)`;
}

/**
 * A subquery binding `r`, `a` and `b` to the tenant's relationship whose id is in variable
 * `id`, from `a` to `b`, of any of `types`: a `UNION ALL` of one forced index seek per
 * type (a type disjunction `[r:A|B]` may be planned as index scans).
 */
export function relationshipById(types: readonly string[], id: string): string {
  const branches = [...new Set(types)].map((type) => {
    const quoted = quoteName(type);
    return `MATCH (a)-[r:${quoted} {tenant: $tenant, id: ${id}}]->(b)
      USING INDEX SEEK r:${quoted}(tenant, id) RETURN r, a, b`;
  });
  return `CALL (${id}) { ${branches.join(" UNION ALL ")} }`;
}

/** `:\`A\`|\`B\`` for the given types (deduplicated), or "" for any type. */
export function typeFilter(types: readonly string[]): string {
  if (types.length === 0) return "";
  return `:${[...new Set(types)].map(quoteName).join("|")}`;
}

/**
 * One hop from `(a)` to `(b)` along `direction` over `types`, with the relationship bound
 * to `r`: `-[r:\`T\`]->`, `<-[r:\`T\`]-` or `-[r:\`T\`]-`.
 */
export function hopPattern(direction: TraversalDirection, types: readonly string[]): string {
  return arrows(direction, `[r${typeFilter(types)}]`);
}

/**
 * A variable-length hop of 1 to `maxDepth` relationships for `shortestPath`, e.g.
 * `-[:\`T\`*..3]->`. Variable-length bounds cannot be parameters, so `maxDepth` must be a
 * positive safe integer (a `RangeError` otherwise).
 */
export function pathPattern(
  direction: TraversalDirection,
  types: readonly string[],
  maxDepth: number,
): string {
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 1) {
    throw new RangeError(`a path's max depth must be a positive integer, not ${maxDepth}`);
  }
  return arrows(direction, `[${typeFilter(types)}*..${maxDepth}]`);
}

function arrows(direction: TraversalDirection, relationship: string): string {
  if (direction === "out") return `-${relationship}->`;
  if (direction === "in") return `<-${relationship}-`;
  return `-${relationship}-`;
}

/**
 * The quoted name of the uniqueness constraint on (tenant, id) of relationships of `type`,
 * e.g. `` `ragplane_rel_KNOWS` ``.
 */
export function relationshipConstraintName(type: string): string {
  assertGraphName(type);
  return `\`${relationshipConstraintPrefix}${type}\``;
}

/** The quoted name of the subject index of relationships of `type`. */
export function relationshipSubjectIndexName(type: string): string {
  assertGraphName(type);
  return `\`${relationshipSubjectIndexPrefix}${type}\``;
}

function assertGraphName(name: string): void {
  if (!isGraphName(name)) throw new RangeError(`refusing to write "${name}" into Cypher`);
}
