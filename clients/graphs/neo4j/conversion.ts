/**
 * Conversion between the port's nodes, relationships and properties and what is stored in
 * Neo4j. Every node and relationship stores its `tenant` and `id` as properties, next to
 * the user's; user keys are escaped so that they can never overwrite those two.
 */
import { isInt } from "neo4j-driver";
import { normalizeLabels } from "../ordering.js";
import type {
  GraphNode,
  GraphRelationship,
  Properties,
  PropertyScalar,
  PropertyValue,
} from "../port.js";
import { storedSubject, subjectField } from "../subjects.js";
import { nodeLabel } from "./cypher.js";

/** The property holding when a node or relationship was last written (ms since the epoch). */
export const writtenAtKey = "_rp_written_at";

/**
 * The property holding the data subject of a node or relationship, absent for none;
 * indexed with `tenant` (see `migrations.ts`, `relationship-types.ts`).
 */
export const subjectKey = "_rp_subject";

const systemKeys: ReadonlySet<string> = new Set(["tenant", "id", writtenAtKey, subjectKey]);
const escapeMark = "~";

/**
 * The stored key of a user property: the key itself, or `~` + key for `tenant`, `id`,
 * {@link writtenAtKey}, {@link subjectKey} and keys that start with `~`. A bijection, so `decodeKey` undoes it.
 */
export function encodeKey(key: string): string {
  return systemKeys.has(key) || key.startsWith(escapeMark) ? `${escapeMark}${key}` : key;
}

/** The user key of a stored property key, or undefined for the system keys (`tenant`, `id`, the write time, the subject). */
export function decodeKey(stored: string): string | undefined {
  if (systemKeys.has(stored)) return undefined;
  return stored.startsWith(escapeMark) ? stored.slice(escapeMark.length) : stored;
}

/**
 * The full property map to store on a node or relationship: the user's properties under
 * escaped keys, plus `tenant`, `id`, the write time and the subject when there is one (so
 * that `SET n = …` without one clears it). JS numbers go to Neo4j as floats (doubles).
 */
export function toStoredProperties(
  tenant: string,
  id: string,
  properties: Properties,
  writtenAt: number,
  subject?: string,
): Record<string, PropertyValue> {
  const stored: Record<string, PropertyValue> = {};
  for (const [key, value] of Object.entries(properties)) stored[encodeKey(key)] = value;
  stored.tenant = tenant;
  stored.id = id;
  stored[writtenAtKey] = writtenAt;
  const kept = storedSubject(subject);
  if (kept !== undefined) stored[subjectKey] = kept;
  return stored;
}

/** The user's properties from a stored property map (system keys dropped, keys unescaped). */
export function fromStoredProperties(stored: Readonly<Record<string, unknown>>): Properties {
  const properties: Record<string, PropertyValue> = {};
  for (const [key, value] of Object.entries(stored)) {
    const userKey = decodeKey(key);
    if (userKey !== undefined) properties[userKey] = toPropertyValue(value);
  }
  return properties;
}

/**
 * A stored value as a port value. Integers (written by other clients; ragplane writes
 * floats) become numbers, lists keep their elements; other Neo4j types (temporal, spatial)
 * cannot be written through the port and are returned as their string form.
 */
export function toPropertyValue(value: unknown): PropertyValue {
  if (Array.isArray(value)) return value.map(toScalar) as PropertyValue;
  return toScalar(value);
}

function toScalar(value: unknown): PropertyScalar {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return value;
  }
  if (typeof value === "bigint") return Number(value);
  if (isInt(value)) return value.toNumber();
  return String(value);
}

/** A node as the adapter's queries return it: `{id, labels, props}`. */
export interface NodeRow {
  readonly id: string;
  readonly labels: readonly string[];
  readonly props: Readonly<Record<string, unknown>>;
}

/** A relationship as the adapter's queries return it. */
export interface RelationshipRow {
  readonly id: string;
  readonly fromId: string;
  readonly toId: string;
  readonly type: string;
  readonly props: Readonly<Record<string, unknown>>;
}

/** Cypher map projection of node `n` into a `NodeRow`. */
export function nodeProjection(n: string): string {
  return `{id: ${n}.id, labels: labels(${n}), props: properties(${n})}`;
}

/** Cypher map projection of relationship `r` from `a` to `b` into a `RelationshipRow`. */
export function relationshipProjection(r: string, a: string, b: string): string {
  return `{id: ${r}.id, fromId: ${a}.id, toId: ${b}.id, type: type(${r}), props: properties(${r})}`;
}

/** Decodes a node row: the adapter's own label dropped, labels sorted by `compareIds`. */
export function nodeFromRow(row: NodeRow): GraphNode {
  return {
    id: row.id,
    labels: normalizeLabels(row.labels.filter((label) => label !== nodeLabel)),
    properties: fromStoredProperties(row.props),
    ...subjectField(row.props[subjectKey]),
  };
}

/** Decodes a relationship row. */
export function relationshipFromRow(row: RelationshipRow): GraphRelationship {
  return {
    id: row.id,
    fromId: row.fromId,
    toId: row.toId,
    type: row.type,
    properties: fromStoredProperties(row.props),
    ...subjectField(row.props[subjectKey]),
  };
}
