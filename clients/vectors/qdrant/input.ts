import { PreconditionError } from "../../errors.js";
import type { PointInput } from "../port.js";

/**
 * Checks a vector against the collection's dimension and that every component is a
 * finite 32-bit float (Qdrant stores float32), and copies it into a plain array for
 * JSON. `field` names the request field in errors, e.g. `points[3].vector`.
 */
export function checkVector(vector: ArrayLike<number>, dimension: number, field: string): number[] {
  if (vector.length !== dimension) {
    throw new PreconditionError(
      `${field} has ${vector.length} dimensions; the collection has ${dimension}`,
      field,
    );
  }
  const values = Array.from(vector);
  requireFiniteFloats(values, field);
  return values;
}

/**
 * Checks that every component is a finite 32-bit float (Qdrant stores float32);
 * `PreconditionError` names the first that is not, e.g. `vector[5]`.
 */
export function requireFiniteFloats(vector: ArrayLike<number>, field: string): void {
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(Math.fround(vector[i] as number)))
      throw new PreconditionError(`${field}[${i}] is not a finite float`, `${field}[${i}]`);
  }
}

/** A point checked for writing. */
export interface CheckedPoint {
  readonly id: string;
  readonly vector: number[];
  readonly payload: PointInput["payload"];
  readonly subject: PointInput["subject"];
}

/**
 * Checks a whole batch before anything is sent, so a bad point rejects the batch. A
 * later duplicate of an id replaces the earlier one and takes its place in the order.
 */
export function checkPoints(points: readonly PointInput[], dimension: number): CheckedPoint[] {
  const byId = new Map<string, CheckedPoint>();
  points.forEach((point, i) => {
    const vector = checkVector(point.vector, dimension, `points[${i}].vector`);
    byId.delete(point.id);
    byId.set(point.id, { id: point.id, vector, payload: point.payload, subject: point.subject });
  });
  return [...byId.values()];
}

/** Most vector components sent in one upsert request (about 10–20 MB of JSON). */
export const maxComponentsPerRequest = 1_000_000;

/**
 * Splits checked points into upsert requests that stay well under Qdrant's request size
 * limit (32 MB by default): at most {@link maxComponentsPerRequest} vector components and
 * 1000 points each.
 */
export function upsertBatches<T extends { readonly vector: readonly number[] }>(
  points: readonly T[],
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let components = 0;
  for (const point of points) {
    if (
      current.length > 0 &&
      (current.length === 1000 || components + point.vector.length > maxComponentsPerRequest)
    ) {
      batches.push(current);
      current = [];
      components = 0;
    }
    current.push(point);
    components += point.vector.length;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
