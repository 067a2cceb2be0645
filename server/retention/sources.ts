import type { GraphStore } from "../../clients/graphs/port.js";
import type { VectorStore } from "../../clients/vectors/port.js";

/** What the sweeper expires: a collection's points, or a label's nodes. */
export type RetentionTargetKind = "collection" | "label";

/** One collection or label with a maximum age. */
export interface RetentionTarget {
  readonly kind: RetentionTargetKind;
  readonly tenant: string;
  /** The collection's or label's name. */
  readonly name: string;
  /** How long an item is kept after its last write, in ms. */
  readonly maxAgeMs: number;
}

/** What one batch removed: the items (points or nodes) and, for nodes, their relationships. */
export interface Removed {
  readonly items: number;
  readonly relationships: number;
}

/** One kind of data with maximum ages, seen through its port. */
export interface RetentionSource {
  readonly kind: RetentionTargetKind;
  /** Every target of every tenant. */
  targets(signal: AbortSignal): Promise<RetentionTarget[]>;
  /** Deletes at most `limit` of the target's items written before `beforeMs`. */
  deleteBatch(
    target: RetentionTarget,
    beforeMs: number,
    limit: number,
    signal: AbortSignal,
  ): Promise<Removed>;
}

/** The collections with a maximum age, and their expired points. */
export function collectionSource(store: VectorStore): RetentionSource {
  return {
    kind: "collection",
    async targets(signal) {
      const ages = await store.listMaxAges(signal);
      return ages.map((age) => ({
        kind: "collection",
        tenant: age.tenant,
        name: age.collection,
        maxAgeMs: age.maxAgeMs,
      }));
    },
    async deleteBatch(target, beforeMs, limit, signal) {
      const items = await store.deleteWrittenBefore(
        target.tenant,
        target.name,
        beforeMs,
        limit,
        signal,
      );
      return { items, relationships: 0 };
    },
  };
}

/** The labels with a maximum age, and their expired nodes (with their relationships). */
export function labelSource(store: GraphStore): RetentionSource {
  return {
    kind: "label",
    async targets(signal) {
      const ages = await store.listLabelMaxAges(undefined, signal);
      return ages.map((age) => ({
        kind: "label",
        tenant: age.tenant,
        name: age.label,
        maxAgeMs: age.maxAgeMs,
      }));
    },
    async deleteBatch(target, beforeMs, limit, signal) {
      const result = await store.deleteNodesWrittenBefore(
        target.tenant,
        target.name,
        beforeMs,
        limit,
        signal,
      );
      return { items: result.deleted, relationships: result.relationshipsDeleted };
    },
  };
}
