import type { EnginePolicy } from "../../resilience/engine-policy.js";

/** Options of `Neo4jGraphStore.connect`. */
export interface Neo4jGraphStoreOptions {
  /**
   * The server's Bolt URL: `bolt://host:7687` for a single server (`bolt+s://` with TLS),
   * `neo4j://` for a cluster.
   */
  readonly url: string;
  /**
   * PEM files of the CAs that sign the server's certificate: the link is then encrypted
   * and the server verified against them alone. Only with a `bolt://` or `neo4j://`
   * url: the `+s` and `+ssc` schemes choose their trust themselves. Default: none.
   */
  readonly trustedCertificates?: readonly string[];
  /** User for basic authentication; without it the driver connects unauthenticated. */
  readonly user?: string;
  /** Password of `user`. */
  readonly password?: string;
  /** The database every session uses. Default "neo4j". */
  readonly database?: string;
  /** Most pooled connections to each server. Default 100 (the driver's default). */
  readonly maxPoolSize?: number;
  /** Time to establish a connection, in ms. Default 5000. */
  readonly connectionTimeoutMs?: number;
  /** Time to wait for a pooled connection, in ms. Default 10000. */
  readonly connectionAcquisitionTimeoutMs?: number;
  /**
   * Server-side limit of each transaction, in ms (neo4j-driver's transaction `timeout`):
   * the bound on a call whose caller has no deadline. A caller's deadline, through its
   * abort signal, ends the transaction earlier. Default 30000.
   */
  readonly transactionTimeoutMs?: number;
  /** Attempts of an operation whose failure is transient (see `transactions.ts`). Default 3. */
  readonly maxAttempts?: number;
  /** Time `health()` waits for `RETURN 1`, in ms. Default 2000. */
  readonly healthTimeoutMs?: number;
  /** The resilience policy of every transaction; default `neo4jPolicy` from the above. */
  readonly policy?: EnginePolicy;
  /** The clock that stamps what is written with its write time (ms since the epoch); `Date.now` by default. */
  readonly now?: () => number;
}

/** `Neo4jGraphStoreOptions` with every default applied, checked. */
export interface ResolvedNeo4jOptions {
  readonly url: string;
  readonly trustedCertificates: readonly string[];
  readonly user: string | undefined;
  readonly password: string;
  readonly database: string;
  readonly maxPoolSize: number;
  readonly connectionTimeoutMs: number;
  readonly connectionAcquisitionTimeoutMs: number;
  readonly transactionTimeoutMs: number;
  readonly maxAttempts: number;
  readonly healthTimeoutMs: number;
}

/**
 * Applies defaults and checks the options once, failing fast with a message that names
 * the option (a `TypeError`): a URL with a Bolt scheme, trusted certificates only with
 * a scheme that leaves trust to the configuration, a password only with a user,
 * positive integers for sizes and times.
 */
export function resolveNeo4jOptions(options: Neo4jGraphStoreOptions): ResolvedNeo4jOptions {
  if (!/^(bolt|neo4j)(\+s|\+ssc)?:\/\/./.test(options.url)) {
    throw new TypeError("neo4j url must look like bolt://host:7687 or neo4j://host:7687");
  }
  const trustedCertificates = options.trustedCertificates ?? [];
  if (trustedCertificates.length > 0 && /^[a-z0-9]+\+/.test(options.url)) {
    throw new TypeError(
      "neo4j trustedCertificates need a bolt:// or neo4j:// url (+s and +ssc choose their own trust)",
    );
  }
  if (options.password !== undefined && !options.user) {
    throw new TypeError("a neo4j password was given without a user");
  }
  const database = options.database ?? "neo4j";
  if (database === "") throw new TypeError("neo4j database must not be empty");
  return {
    url: options.url,
    trustedCertificates,
    user: options.user || undefined,
    password: options.password ?? "",
    database,
    maxPoolSize: positive("maxPoolSize", options.maxPoolSize, 100),
    connectionTimeoutMs: positive("connectionTimeoutMs", options.connectionTimeoutMs, 5_000),
    connectionAcquisitionTimeoutMs: positive(
      "connectionAcquisitionTimeoutMs",
      options.connectionAcquisitionTimeoutMs,
      10_000,
    ),
    transactionTimeoutMs: positive("transactionTimeoutMs", options.transactionTimeoutMs, 30_000),
    maxAttempts: positive("maxAttempts", options.maxAttempts, 3),
    healthTimeoutMs: positive("healthTimeoutMs", options.healthTimeoutMs, 2_000),
  };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`neo4j ${name} must be a positive integer, not ${value}`);
  }
  return value;
}
