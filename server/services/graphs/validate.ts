import { relationshipIdOf } from "../../../clients/graphs/relationship-id.js";
import {
  Direction,
  type GraphsService,
  type Node,
  type Relationship,
} from "../../../gen/ragplane/v1/graphs_pb.js";
import { limits } from "../../limits.js";
import { checkMaxAge } from "../../retention/max-age.js";
import { Violations } from "../../validation/violations.js";
import type { ServiceValidators } from "../handlers.js";
import { checkProperties } from "./properties.js";

/** Most labels on one node (the proto's documented limit). */
export const maxLabels = 16;
/** Most entries in a `types` or `labels` filter of a traversal. */
export const maxFilterNames = 64;

/** What labels and relationship types look like (Neo4j identifiers without quoting). */
export const graphNamePattern = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

const knownDirections: readonly number[] = [
  Direction.UNSPECIFIED,
  Direction.OUT,
  Direction.IN,
  Direction.BOTH,
];

/**
 * Request validators of GraphsService. Field paths use the proto's snake_case names
 * (`nodes[2].labels[0]`, `relationships[1].properties["weight"]`), as `google.rpc.BadRequest`
 * expects.
 */
export const graphsValidators: ServiceValidators<typeof GraphsService.method> = {
  upsertNodes(request) {
    const v = new Violations();
    if (v.batch("nodes", request.nodes.length)) {
      const firstIndex = new Map<string, number>();
      request.nodes.forEach((node, index) => {
        checkNode(v, `nodes[${index}]`, node);
        const first = firstIndex.get(node.id);
        if (first === undefined) firstIndex.set(node.id, index);
        else if (node.id !== "") v.add(`nodes[${index}].id`, `repeats the id of nodes[${first}]`);
      });
    }
    return v.list;
  },

  upsertRelationships(request) {
    const v = new Violations();
    if (v.batch("relationships", request.relationships.length)) {
      const firstIndex = new Map<string, number>();
      request.relationships.forEach((relationship, index) => {
        const path = `relationships[${index}]`;
        checkRelationship(v, path, relationship);
        const id = relationshipIdOf(relationship);
        const first = firstIndex.get(id);
        if (first === undefined) firstIndex.set(id, index);
        else if (relationship.id !== "")
          v.add(`${path}.id`, `repeats the id of relationships[${first}]`);
        else
          v.add(path, `has the same (from_id, type, to_id), hence id, as relationships[${first}]`);
      });
    }
    return v.list;
  },

  getNode(request) {
    const v = new Violations();
    v.id("id", request.id);
    return v.list;
  },

  deleteNodes(request) {
    const v = new Violations();
    checkIds(v, "ids", request.ids);
    return v.list;
  },

  deleteRelationships(request) {
    const v = new Violations();
    checkIds(v, "ids", request.ids);
    return v.list;
  },

  neighbors(request) {
    const v = new Violations();
    v.id("node_id", request.nodeId);
    checkDirection(v, "direction", request.direction);
    checkNames(v, "types", request.types, maxFilterNames);
    checkNames(v, "labels", request.labels, maxFilterNames);
    v.atMost("max_depth", request.maxDepth, limits.maxNeighborsDepth);
    v.atMost("limit", request.limit, limits.maxPageSize);
    return v.list;
  },

  setLabelRetention(request) {
    const v = new Violations();
    checkName(v, "label", request.label);
    checkMaxAge(v, "max_age", request.maxAge);
    return v.list;
  },

  listLabelRetentions() {
    return [];
  },

  shortestPath(request) {
    const v = new Violations();
    v.id("from_id", request.fromId);
    v.id("to_id", request.toId);
    checkNames(v, "types", request.types, maxFilterNames);
    v.atMost("max_depth", request.maxDepth, limits.maxPathDepth);
    checkDirection(v, "direction", request.direction);
    return v.list;
  },
};

function checkNode(v: Violations, path: string, node: Node): void {
  v.id(`${path}.id`, node.id);
  checkNames(v, `${path}.labels`, node.labels, maxLabels);
  checkProperties(v, `${path}.properties`, node.properties);
  v.subject(`${path}.subject`, node.subject);
}

function checkRelationship(v: Violations, path: string, relationship: Relationship): void {
  v.shortText(`${path}.id`, relationship.id);
  v.id(`${path}.from_id`, relationship.fromId);
  v.id(`${path}.to_id`, relationship.toId);
  if (relationship.type === "") v.add(`${path}.type`, "must not be empty");
  else checkName(v, `${path}.type`, relationship.type);
  checkProperties(v, `${path}.properties`, relationship.properties);
  v.subject(`${path}.subject`, relationship.subject);
}

function checkIds(v: Violations, field: string, ids: readonly string[]): void {
  if (!v.batch(field, ids.length)) return;
  ids.forEach((id, index) => {
    v.id(`${field}[${index}]`, id);
  });
}

/** At most `max` labels or relationship types, each matching {@link graphNamePattern}. */
export function checkNames(
  v: Violations,
  field: string,
  names: readonly string[],
  max: number,
): void {
  if (names.length > max) v.add(field, `must hold at most ${max} entries`);
  names.forEach((name, index) => {
    checkName(v, `${field}[${index}]`, name);
  });
}

function checkName(v: Violations, field: string, name: string): void {
  if (!graphNamePattern.test(name)) v.add(field, `must match ${graphNamePattern.source}`);
}

/** A known `Direction` (unspecified means both). */
export function checkDirection(v: Violations, field: string, direction: number): void {
  if (!knownDirections.includes(direction)) v.add(field, `unknown value ${direction}`);
}
