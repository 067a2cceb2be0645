import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Value, ValueSchema } from "@bufbuild/protobuf/wkt";
import type {
  GraphNode,
  GraphRelationship,
  Properties,
  PropertyScalar,
  PropertyValue,
  RelationshipInput,
  TraversalDirection,
} from "../../../clients/graphs/port.js";
import {
  Direction,
  type Node,
  type NodeSchema,
  type Relationship,
  type RelationshipSchema,
} from "../../../gen/ragplane/v1/graphs_pb.js";
import type { LineageSchema } from "../../../gen/ragplane/v1/lineage_pb.js";
import { toLineageInit } from "../../lineage/convert.js";
import { lineageOf, withoutReservedKeys } from "../../lineage/fields.js";

type ValueInit = MessageInitShape<typeof ValueSchema>;

/** A request node as the port's node; an empty subject is none. */
export function toGraphNode(node: Node): GraphNode {
  return {
    id: node.id,
    labels: node.labels,
    properties: toProperties(node.properties),
    ...subjectOf(node.subject),
  };
}

/**
 * A request relationship as the port's input; an empty id asks for a derived one, an
 * empty subject is none.
 */
export function toRelationshipInput(relationship: Relationship): RelationshipInput {
  const { id, fromId, toId, type } = relationship;
  const properties = toProperties(relationship.properties);
  const subject = subjectOf(relationship.subject);
  return id === ""
    ? { fromId, toId, type, properties, ...subject }
    : { id, fromId, toId, type, properties, ...subject };
}

/** `{ subject }` for a non-empty subject, `{}` otherwise. */
function subjectOf(subject: string | undefined): { subject?: string } {
  return subject ? { subject } : {};
}

/** The port's traversal direction; DIRECTION_UNSPECIFIED means both. */
export function toTraversalDirection(direction: Direction): TraversalDirection {
  if (direction === Direction.OUT) return "out";
  if (direction === Direction.IN) return "in";
  return "both";
}

type NodeInit = MessageInitShape<typeof NodeSchema>;
type RelationshipInit = MessageInitShape<typeof RelationshipSchema>;

/** A port node as a response `Node` with its subject, its reserved properties left out. */
export function toNodeInit(node: GraphNode): NodeInit {
  return {
    id: node.id,
    labels: [...node.labels],
    properties: visibleValues(node.properties),
    ...subjectOf(node.subject),
  };
}

/** {@link toNodeInit} with `lineage` set when ingestion wrote the node. */
export function toNodeInitWithLineage(node: GraphNode): NodeInit {
  const { id, labels, properties } = node;
  return {
    id,
    labels: [...labels],
    properties: visibleValues(properties),
    ...lineageInit(properties),
    ...subjectOf(node.subject),
  };
}

/**
 * A port relationship as a response `Relationship` with its subject, its reserved
 * properties left out.
 */
export function toRelationshipInit(relationship: GraphRelationship): RelationshipInit {
  const { id, fromId, toId, type } = relationship;
  return {
    id,
    fromId,
    toId,
    type,
    properties: visibleValues(relationship.properties),
    ...subjectOf(relationship.subject),
  };
}

/** {@link toRelationshipInit} with `lineage` set when ingestion wrote the relationship. */
export function toRelationshipInitWithLineage(relationship: GraphRelationship): RelationshipInit {
  const { id, fromId, toId, type, properties } = relationship;
  return {
    id,
    fromId,
    toId,
    type,
    properties: visibleValues(properties),
    ...lineageInit(properties),
    ...subjectOf(relationship.subject),
  };
}

/** The converters of nodes and relationships for an answer that does or does not want lineage. */
export function graphItemConverters(withLineage: boolean): {
  readonly node: (node: GraphNode) => NodeInit;
  readonly relationship: (relationship: GraphRelationship) => RelationshipInit;
} {
  return withLineage
    ? { node: toNodeInitWithLineage, relationship: toRelationshipInitWithLineage }
    : { node: toNodeInit, relationship: toRelationshipInit };
}

function visibleValues(properties: Properties): { [key: string]: ValueInit } {
  return toValueMap(withoutReservedKeys(properties));
}

function lineageInit(properties: Properties): { lineage?: MessageInitShape<typeof LineageSchema> } {
  const lineage = lineageOf(properties);
  return lineage === undefined ? {} : { lineage: toLineageInit(lineage) };
}

/**
 * `map<string, google.protobuf.Value>` as port properties (built with `Object.fromEntries`,
 * so a key like `__proto__` stays an ordinary property). Requests have passed
 * `graphsValidators`, so a null, a struct or a nested list here is a bug: it throws.
 */
export function toProperties(values: { readonly [key: string]: Value }): Properties {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]): [string, PropertyValue] => [
      key,
      value.kind.case === "listValue"
        ? (value.kind.value.values.map(toScalar) as PropertyValue)
        : toScalar(value),
    ]),
  );
}

function toScalar(value: Value): PropertyScalar {
  const { kind } = value;
  if (kind.case === "stringValue" || kind.case === "numberValue" || kind.case === "boolValue") {
    return kind.value;
  }
  throw new TypeError(`property value of kind ${kind.case ?? "unset"} was not validated`);
}

function toValueMap(properties: Properties): { [key: string]: ValueInit } {
  return Object.fromEntries(
    Object.entries(properties).map(([key, value]) => [key, toValueInit(value)]),
  );
}

function toValueInit(value: PropertyValue): ValueInit {
  if (typeof value === "string") return { kind: { case: "stringValue", value } };
  if (typeof value === "number") return { kind: { case: "numberValue", value } };
  if (typeof value === "boolean") return { kind: { case: "boolValue", value } };
  const values = (value as readonly PropertyScalar[]).map(toValueInit);
  return { kind: { case: "listValue", value: { values } } };
}
