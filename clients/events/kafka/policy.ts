import { isEngineOutage } from "../../errors.js";
import { EnginePolicy, type PolicyEvents } from "../../resilience/engine-policy.js";
import { breakerAndBulkhead, type ResilienceSettings } from "../../resilience/settings.js";
import { hasErrorType, kafkaEngine, toKafkaError } from "./errors.js";

/** What Kafka's policy is made of. */
export interface KafkaPolicyOptions {
  /** Longest single request, in ms (kafkajs's `requestTimeout`). Default 30 000. */
  readonly requestTimeoutMs?: number;
  readonly resilience?: ResilienceSettings;
  readonly events?: PolicyEvents;
}

/**
 * Errors of a cluster whose metadata is catching up: a topic just created (its partitions'
 * leaders not serving yet) or deleted, a leader being elected. kafkajs's admin calls give
 * up on most of them at once, and refresh metadata for every topic of the cluster first,
 * failing on such an error anywhere.
 */
const churnTypes: ReadonlySet<string> = new Set([
  "UNKNOWN_TOPIC_OR_PARTITION",
  "LEADER_NOT_AVAILABLE",
  "NOT_LEADER_FOR_PARTITION",
  "NOT_LEADER_OR_FOLLOWER",
  "REPLICA_NOT_AVAILABLE",
]);

/** Whether `error` (or its cause) is metadata churn. */
export function isMetadataChurn(error: unknown): boolean {
  return hasErrorType(error, churnTypes);
}

/**
 * Whether a failure is the cluster's: no connection, no broker, a timeout. Metadata churn
 * (an unknown topic, a leader being elected) is not: it is how a healthy cluster answers
 * about a topic just created or deleted.
 */
export function isKafkaFault(error: unknown): boolean {
  if (isMetadataChurn(error)) return false;
  return isEngineOutage(toKafkaError(error));
}

/**
 * Kafka's resilience policy. Admin requests and offset lookups (kafkajs retries off for
 * them) are retried on metadata churn and lost connections, 4 attempts in about 1.5 s.
 * Appends are never retried here: kafkajs's idempotent producer retries a produce itself,
 * its sequence numbers making a repeat harmless at the broker, and a second layer would
 * multiply the attempts.
 */
export function kafkaPolicy(options: KafkaPolicyOptions = {}): EnginePolicy {
  return new EnginePolicy(
    {
      engine: kafkaEngine,
      attemptTimeoutMs: (options.requestTimeoutMs ?? 30_000) + 1_000,
      retries: 3,
      backoff: { initialMs: 100, maxMs: 800 },
      ...breakerAndBulkhead(options.resilience),
      isTransient: (error) => isMetadataChurn(error) || isKafkaFault(error),
      isFault: isKafkaFault,
    },
    options.events,
  );
}
