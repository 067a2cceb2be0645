import { EnginePolicy, type PolicyEvents } from "../../resilience/engine-policy.js";
import { breakerAndBulkhead, type ResilienceSettings } from "../../resilience/settings.js";
import { isNeo4jFault, isRetryableNeo4jError, neo4jEngine } from "./errors.js";

/** What Neo4j's policy is made of. */
export interface Neo4jPolicyOptions {
  /** The server-side limit of each transaction, in ms. Default 30 000. */
  readonly transactionTimeoutMs?: number;
  /**
   * Attempts of a transaction that failed transiently. Default 6: writers of shared
   * nodes deadlock now and then under load, and the next attempt, a little later, passes.
   */
  readonly maxAttempts?: number;
  readonly resilience?: ResilienceSettings;
  readonly events?: PolicyEvents;
}

/** How much longer than the server's transaction timeout the client waits for an attempt. */
const clientMarginMs = 1_000;

/**
 * Neo4j's resilience policy. Every operation of the adapter is one explicit transaction,
 * which neo4j-driver does not retry, and every operation is idempotent (upserts by id,
 * deletes, reads), so each is retried as a whole on what the driver calls retryable
 * (connection lost, session expired, deadlocks) and on a uniqueness race; the server ends
 * a transaction at `transactionTimeoutMs`, the client waits a second more.
 */
export function neo4jPolicy(options: Neo4jPolicyOptions = {}): EnginePolicy {
  return new EnginePolicy(
    {
      engine: neo4jEngine,
      attemptTimeoutMs: (options.transactionTimeoutMs ?? 30_000) + clientMarginMs,
      retries: (options.maxAttempts ?? 6) - 1,
      backoff: { initialMs: 25, maxMs: 1000 },
      ...breakerAndBulkhead(options.resilience),
      isTransient: isRetryableNeo4jError,
      isFault: isNeo4jFault,
    },
    options.events,
  );
}
