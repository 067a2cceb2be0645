import type { RetentionTargetKind } from "./sources.js";

/** What the sweeper reports to metrics; every label value comes from a small fixed set. */
export interface RetentionRecorder {
  /** Items a sweep deleted: `points`, `nodes` or `relationships`. */
  removed(kind: "points" | "nodes" | "relationships", count: number): void;
  /** A sweep ended at `endedAtMs` after `seconds`. */
  swept(endedAtMs: number, seconds: number): void;
  /** Listing or deleting a kind of target failed; the next sweep tries again. */
  failed(kind: RetentionTargetKind): void;
}
