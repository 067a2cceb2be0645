import { PreconditionError } from "../errors.js";
import type { RelationshipInput } from "./port.js";

/**
 * Throws the `PreconditionError` of the first relationship whose start or end node is
 * not among `existing` (checked in request order, `from_id` before `to_id`), so every
 * adapter names the same field for the same batch.
 */
export function assertEndpointsExist(
  relationships: readonly RelationshipInput[],
  existing: ReadonlySet<string>,
): void {
  relationships.forEach((relationship, index) => {
    for (const [field, id] of [
      ["from_id", relationship.fromId],
      ["to_id", relationship.toId],
    ] as const) {
      if (!existing.has(id)) {
        throw new PreconditionError(
          `node "${truncateId(id)}" does not exist`,
          `relationships[${index}].${field}`,
        );
      }
    }
  });
}

/** The error for deleting, without detach, the node at `index` that still has relationships. */
export function connectedNodeError(id: string, index: number): PreconditionError {
  return new PreconditionError(
    `node "${truncateId(id)}" still has relationships; delete them or detach`,
    `ids[${index}]`,
  );
}

function truncateId(id: string): string {
  return id.length <= 64 ? id : `${id.slice(0, 64)}…`;
}
