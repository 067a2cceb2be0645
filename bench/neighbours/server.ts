import { mintLocalToken } from "../../security/jwt/local-key.js";
import { scopes } from "../../security/scopes.js";
import { type Config, loadConfig } from "../../server/config.js";
import { embeddedEngineEnv } from "../../tests/support/engine-env.js";
import { type BenchChild, startChild } from "../children.js";

/** The two tenants: A runs the expensive loops, B the cheap calls. */
export const tenants = { noisy: "tenant-a", quiet: "tenant-b" } as const;

/**
 * Every per-tenant and per-principal rate limit at the most the configuration allows per
 * window: counted on every call as in production, never reached, so only the server's
 * own bounds can refuse a call.
 */
export const liftedRateLimits: Readonly<Record<string, string>> = Object.fromEntries(
  ["READ", "WRITE", "STREAM"].flatMap((budget) =>
    ["TENANT", "PRINCIPAL"].map((per) => [`RATE_LIMIT_${budget}_PER_${per}`, "10000000"]),
  ),
);

/** The environment of the ragplane child: embedded engines under `dataDir`, loopback, free ports. */
export function serverEnv(dataDir: string): Record<string, string> {
  return {
    ...embeddedEngineEnv,
    ...liftedRateLimits,
    DATA_DIR: dataDir,
    GRPC_PORT: "0",
    HTTP_PORT: "0",
    METRICS_PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    AUTH_METHODS: "api-key,jwt",
    SHUTDOWN_GRACE_MS: "2000",
  };
}

/** Starts `bench/server-process.ts` with {@link serverEnv}. */
export function startServer(dataDir: string): Promise<BenchChild> {
  return startChild("ragplane", { entry: "server-process.ts", env: serverEnv(dataDir) });
}

/**
 * The `authorization` header of a tenant: a JWT signed with the local key the child
 * created in its DATA_DIR, with the child's issuer, audience and claim names, every data
 * scope, valid one hour, its subject the tenant's name (so each tenant is its own
 * principal too).
 */
export async function tenantHeaders(
  dataDir: string,
  tenant: string,
): Promise<Record<string, string>> {
  const jwt = childConfig(dataDir).security.jwt;
  if (jwt === undefined || !jwt.useLocalKey) {
    throw new Error("the benchmark authenticates with the local signing key: unset JWT_* keys");
  }
  const token = await mintLocalToken({
    dataDir,
    issuer: jwt.issuer,
    audience: jwt.audience,
    tenant,
    scopes: scopes.filter((scope) => scope !== "admin"),
    subject: tenant,
    ttlSeconds: 3600,
    tenantClaim: jwt.tenantClaim,
    scopesClaim: jwt.scopesClaim,
  });
  return { authorization: `Bearer ${token}` };
}

/**
 * Expensive calls (`EXPENSIVE_CALLS_PER_TENANT`) one tenant may have running at once in
 * the child, as the child reads its environment; 0 when unbounded.
 */
export function expensiveCallsPerTenant(dataDir: string): number {
  return childConfig(dataDir).security.expensiveCallsPerTenant;
}

/** The configuration the child loads from this process's environment and {@link serverEnv}. */
function childConfig(dataDir: string): Config {
  return loadConfig({ ...process.env, ...serverEnv(dataDir) });
}
