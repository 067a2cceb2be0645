import type { Config } from "./config.js";

const placeholderPattern =
  /^(change[-_ ]?me|changeit|password\d*|passw0rd|secret|default|example|test|admin|neo4j|redis|qdrant|letmein|xxx+|todo|replace[-_ ]?me|your[-_].*|<.*>|\$\{.*\}|\*+)$/i;

/** Shortest secret accepted in production, in bytes. */
export const minimumSecretBytes = 16;

/**
 * What production refuses: no authentication method, the development signing key, a
 * placeholder or short secret, or a port beyond loopback without TLS (unless a
 * TLS-terminating proxy is declared). Returns one message per problem.
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
  return problems;
}

function* secrets(env: Readonly<Record<string, string | undefined>>): Generator<[string, string]> {
  for (const name of ["NEO4J_PASSWORD", "QDRANT_API_KEY", "JWT_HMAC_SECRET"]) {
    const value = env[name]?.trim();
    if (value) yield [name, value];
  }
  const redisUrl = env.REDIS_URL?.trim();
  if (redisUrl) {
    try {
      const password = decodeURIComponent(new URL(redisUrl).password);
      if (password !== "") yield ["REDIS_URL's password", password];
    } catch {
      // An unparsable URL is reported by the engine settings.
    }
  }
}

/** True for addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare === "localhost" || bare === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bare);
}
