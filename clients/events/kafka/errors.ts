import {
  AlreadyExistsError,
  CancelledError,
  EngineTimeoutError,
  EngineUnavailableError,
  NotFoundError,
  PreconditionError,
} from "../../errors.js";

/** The engine name carried by this adapter's `EngineUnavailableError` / `EngineTimeoutError`. */
export const kafkaEngine = "event log (kafka)";

const unavailableNames: ReadonlySet<string> = new Set([
  "KafkaJSConnectionError",
  "KafkaJSConnectionClosedError",
  "KafkaJSBrokerNotFound",
  "KafkaJSNoBrokerAvailableError",
  "KafkaJSMetadataNotLoaded",
  "KafkaJSTopicMetadataNotLoaded",
  "KafkaJSGroupCoordinatorNotFound",
  "KafkaJSNumberOfRetriesExceeded",
  "KafkaJSSASLAuthenticationError",
]);

const timeoutNames: ReadonlySet<string> = new Set([
  "KafkaJSRequestTimeoutError",
  "KafkaJSTimeout",
  "KafkaJSLockTimeout",
]);

const unavailableTypes: ReadonlySet<string> = new Set([
  "LEADER_NOT_AVAILABLE",
  "NOT_LEADER_FOR_PARTITION",
  "NOT_LEADER_OR_FOLLOWER",
  "BROKER_NOT_AVAILABLE",
  "REPLICA_NOT_AVAILABLE",
  "NETWORK_EXCEPTION",
  "NOT_ENOUGH_REPLICAS",
  "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
  "KAFKA_STORAGE_ERROR",
  "COORDINATOR_NOT_AVAILABLE",
  "COORDINATOR_LOAD_IN_PROGRESS",
  "NOT_COORDINATOR",
  "NOT_CONTROLLER",
  "THROTTLING_QUOTA_EXCEEDED",
  "CLUSTER_AUTHORIZATION_FAILED",
  "TOPIC_AUTHORIZATION_FAILED",
  "GROUP_AUTHORIZATION_FAILED",
]);

/** Refusals of a topic's spec by the cluster (its policies and limits). */
const refusedSpecTypes: ReadonlySet<string> = new Set([
  "INVALID_PARTITIONS",
  "INVALID_REPLICATION_FACTOR",
  "INVALID_REPLICA_ASSIGNMENT",
  "INVALID_CONFIG",
  "POLICY_VIOLATION",
  "INVALID_TOPIC_EXCEPTION",
]);

interface KafkaJSLike {
  readonly name?: unknown;
  readonly type?: unknown;
  readonly message?: unknown;
  readonly retriable?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
}

/**
 * Maps a kafkajs failure to a domain error. `topic` names the topic the call was about
 * (the tenant's name, not the physical one), for `NotFoundError` / `AlreadyExistsError`.
 *
 * The error and its `cause` chain (kafkajs wraps the last failure of its retries in
 * `KafkaJSNumberOfRetriesExceeded`) are searched for the most telling one:
 * UNKNOWN_TOPIC_OR_PARTITION → `NotFoundError`; TOPIC_ALREADY_EXISTS → `AlreadyExistsError`;
 * a spec the cluster refuses (partitions, configs, policies) → `PreconditionError`;
 * request timeouts → `EngineTimeoutError`; no connection, no broker, no leader, no
 * coordinator, exhausted retries of anything transient → `EngineUnavailableError`.
 * Domain errors pass through; anything else (a bug) is returned as is.
 */
export function toKafkaError(error: unknown, topic?: string): unknown {
  if (isDomainError(error)) return error;
  const chain = causeChain(error);
  const has = (test: (e: KafkaJSLike) => boolean) => chain.some(test);
  if (has((e) => e.type === "UNKNOWN_TOPIC_OR_PARTITION")) {
    return topic === undefined
      ? new EngineUnavailableError(kafkaEngine, { cause: error })
      : new NotFoundError("topic", topic);
  }
  if (topic !== undefined && has((e) => e.type === "TOPIC_ALREADY_EXISTS")) {
    return new AlreadyExistsError("topic", topic);
  }
  const refused = chain.find((e) => refusedSpecTypes.has(String(e.type)));
  if (refused) {
    return new PreconditionError(`kafka refused the topic: ${String(refused.message)}`);
  }
  if (has((e) => e.type === "REQUEST_TIMED_OUT" || timeoutNames.has(String(e.name)))) {
    return new EngineTimeoutError(kafkaEngine, { cause: error });
  }
  if (
    has(
      (e) =>
        unavailableNames.has(String(e.name)) ||
        unavailableTypes.has(String(e.type)) ||
        (e.name === "KafkaJSProtocolError" && e.retriable === true),
    )
  ) {
    return new EngineUnavailableError(kafkaEngine, { cause: error });
  }
  return error;
}

/** Whether `error` or one of its causes is a Kafka protocol error of one of `types`. */
export function hasErrorType(error: unknown, types: ReadonlySet<string>): boolean {
  return causeChain(error).some((e) => types.has(String(e.type)));
}

/** The error of a call on a closed log. */
export function closedError(): EngineUnavailableError {
  return new EngineUnavailableError(kafkaEngine, { cause: new Error("the event log is closed") });
}

/** The error, its causes and the members of aggregate errors, at most 16. */
function causeChain(error: unknown): KafkaJSLike[] {
  const chain: KafkaJSLike[] = [];
  const pending: unknown[] = [error];
  while (pending.length > 0 && chain.length < 16) {
    const current = pending.shift();
    if (typeof current !== "object" || current === null) continue;
    const candidate = current as KafkaJSLike;
    if (chain.includes(candidate)) continue;
    chain.push(candidate);
    pending.push(candidate.cause);
    if (Array.isArray(candidate.errors)) pending.push(...candidate.errors);
  }
  return chain;
}

function isDomainError(error: unknown): boolean {
  return (
    error instanceof NotFoundError ||
    error instanceof AlreadyExistsError ||
    error instanceof PreconditionError ||
    error instanceof EngineUnavailableError ||
    error instanceof EngineTimeoutError ||
    error instanceof CancelledError ||
    error instanceof RangeError
  );
}
