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

type ValueInit = MessageInitShape<typeof ValueSchema>;

/** A request node as the port's node. */
export function toGraphNode(node: Node): GraphNode {
  return { id: node.id, labels: node.labels, properties: toProperties(node.properties) };
}

/** A request relationship as the port's input; an empty id asks for a derived one. */
export function toRelationshipInput(relationship: Relationship): RelationshipInput {
  const { id, fromId, toId, type } = relationship;
  const properties = toProperties(relationship.properties);
  return id === "" ? { fromId, toId, type, properties } : { id, fromId, toId, type, properties };
}

/** The port's traversal direction; DIRECTION_UNSPECIFIED means both. */
export function toTraversalDirection(direction: Direction): TraversalDirection {
  if (direction === Direction.OUT) return "out";
  if (direction === Direction.IN) return "in";
  return "both";
}

/** A port node as a response `Node`. */
export function toNodeInit(node: GraphNode): MessageInitShape<typeof NodeSchema> {
  return { id: node.id, labels: [...node.labels], properties: toValueMap(node.properties) };
}

/** A port relationship as a response `Relationship`. */
export function toRelationshipInit(
  relationship: GraphRelationship,
): MessageInitShape<typeof RelationshipSchema> {
  const { id, fromId, toId, type } = relationship;
  return { id, fromId, toId, type, properties: toValueMap(relationship.properties) };
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
