import type { Config, EngineConfig } from "./config.js";
import { urlPassword } from "./config-engine-links.js";

const placeholderPattern =
  /^(change[-_ ]?me|changeit|password\d*|passw0rd|secret|default|example|test|admin|neo4j|redis|qdrant|kafka|letmein|xxx+|todo|replace[-_ ]?me|your[-_].*|<.*>|\$\{.*\}|\*+)$/i;

/** Shortest secret accepted in production, in bytes. */
export const minimumSecretBytes = 16;

/**
 * What production refuses: no authentication method, the development signing key, a
 * placeholder or short secret, a port beyond loopback without TLS (unless a
 * TLS-terminating proxy is declared), or a plaintext or unauthenticated link to an engine
 * (unless `ALLOW_INSECURE_ENGINES=true`), no key file for encryption at rest (no key is
 * ever generated in production), or Kafka without Redis (replicas must share data keys).
 * Returns one message per problem.
 */
export function productionProblems(
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const problems: string[] = [];
  const { security } = config;
  if (security.authMethods.size === 0)
    problems.push("NODE_ENV=production needs AUTH_METHODS (api-key, jwt and/or mtls)");
  if (security.jwt?.jwksUrl !== undefined && !security.jwt.jwksUrl.startsWith("https:"))
    problems.push("JWT_JWKS_URL must be an https:// URL in production");
  if (security.jwt?.useLocalKey)
    problems.push(
      "NODE_ENV=production needs JWT_JWKS_URL, JWT_JWKS_FILE or JWT_HMAC_SECRET for AUTH_METHODS=jwt (the local signing key is for development)",
    );
  for (const [name, value] of secrets(env)) {
    if (placeholderPattern.test(value))
      problems.push(`${name} is a placeholder; set a real secret`);
    else if (Buffer.byteLength(value) < minimumSecretBytes)
      problems.push(`${name} is shorter than ${minimumSecretBytes} bytes`);
  }
  if (!isLoopback(config.host) && security.tls === undefined && !security.tlsTerminatedByProxy)
    problems.push(
      `HOST=${config.host} is beyond loopback without TLS: set TLS_CERT_FILE and TLS_KEY_FILE, or TLS_TERMINATED_BY_PROXY=true behind a TLS-terminating proxy`,
    );
  if (config.encryption.createKeyFile)
    problems.push(
      "NODE_ENV=production needs ENCRYPTION_KEY_FILE: the key-encryption key file (create it with npx ragplane keys init <file>, mode 0600, and mount it as a secret); production never generates keys",
    );
  if (config.engines.kafka !== undefined && config.engines.redis === undefined)
    problems.push(
      "KAFKA_BROKERS in production needs REDIS_URL: the replicas must share the data keys that encrypt events (and the events idempotency index)",
    );
  if (!config.allowInsecureEngines) {
    for (const link of insecureEngineLinks(config.engines))
      problems.push(`${link} (or ALLOW_INSECURE_ENGINES=true)`);
  }
  return problems;
}

/**
 * Every link to a real engine that is plaintext or does not authenticate ragplane, one
 * line each: Kafka without TLS, or without SASL or a client certificate; Redis over
 * `redis://`, or without a password; Neo4j unencrypted; Qdrant over `http://`, or without
 * an API key. Loopback hosts are not exempt: a local proxy or tunnel may forward anywhere.
 */
export function insecureEngineLinks(engines: EngineConfig): string[] {
  const links: string[] = [];
  const { kafka, redis, neo4j, qdrant } = engines;
  if (kafka !== undefined) {
    if (kafka.tls === undefined)
      links.push("KAFKA_BROKERS: the link to Kafka is plaintext; set KAFKA_TLS=true");
    if (kafka.sasl === undefined && kafka.tls?.cert === undefined)
      links.push(
        "KAFKA_BROKERS: ragplane does not authenticate to Kafka; set KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD, or KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE",
      );
  }
  if (redis !== undefined) {
    if (!redis.url.startsWith("rediss:"))
      links.push("REDIS_URL: the link to Redis is plaintext; use a rediss:// URL");
    if (redis.password === undefined && urlPassword(redis.url) === "")
      links.push(
        "REDIS_URL: ragplane connects to Redis without a password; set one in REDIS_URL or REDIS_PASSWORD",
      );
  }
  if (neo4j !== undefined && !/^[a-z0-9]+\+/i.test(neo4j.url) && !neo4j.trustedCertificates)
    links.push(
      "NEO4J_URL: the link to Neo4j is plaintext; use bolt+s:// or neo4j+s://, or set NEO4J_TLS_CA_FILE",
    );
  if (qdrant !== undefined) {
    if (!qdrant.url.startsWith("https:"))
      links.push("QDRANT_URL: the link to Qdrant is plaintext; use an https:// URL");
    if (qdrant.apiKey === undefined)
      links.push("QDRANT_URL: ragplane calls Qdrant without an API key; set QDRANT_API_KEY");
  }
  return links;
}

function* secrets(env: Readonly<Record<string, string | undefined>>): Generator<[string, string]> {
  for (const name of [
    "NEO4J_PASSWORD",
    "QDRANT_API_KEY",
    "JWT_HMAC_SECRET",
    "KAFKA_SASL_PASSWORD",
    "REDIS_PASSWORD",
  ]) {
    const value = env[name]?.trim();
    if (value) yield [name, value];
  }
  const redisPassword = urlPassword(env.REDIS_URL?.trim() ?? "");
  if (redisPassword !== "") yield ["REDIS_URL's password", redisPassword];
}

/** True for addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare === "localhost" || bare === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bare);
}
