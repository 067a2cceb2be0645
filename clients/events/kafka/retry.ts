import { setTimeout as sleep } from "node:timers/promises";
import { hasErrorType } from "./errors.js";

/**
 * Errors of a cluster whose metadata is catching up: a topic just created (its partitions'
 * leaders not serving yet) or deleted, a leader being elected. kafkajs's admin calls give
 * up on most of them at once, and refresh metadata for every topic of the cluster first,
 * failing on such an error anywhere; so the adapter retries them briefly itself.
 */
const churnTypes: ReadonlySet<string> = new Set([
  "UNKNOWN_TOPIC_OR_PARTITION",
  "LEADER_NOT_AVAILABLE",
  "NOT_LEADER_FOR_PARTITION",
  "NOT_LEADER_OR_FOLLOWER",
  "REPLICA_NOT_AVAILABLE",
]);

/** Whether `error` (or its cause) is metadata churn (see {@link patiently}). */
export function isMetadataChurn(error: unknown): boolean {
  return hasErrorType(error, churnTypes);
}

/** Runs `call`, retrying it (4 attempts in about 1.5 s) while it fails with metadata churn. */
export async function patiently<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= 4 || !isMetadataChurn(error)) throw error;
      await sleep(100 * 2 ** attempt);
    }
  }
}
