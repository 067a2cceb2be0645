import { createServer } from "node:net";
import { mintLocalToken } from "../../security/jwt/local-key.js";
import { scopes } from "../../security/scopes.js";
import { type Config, loadConfig } from "../../server/config.js";
import { quotaVariables } from "../../server/config-quotas.js";
import { embeddedEngineEnv } from "../../tests/support/engine-env.js";
import { sharedKeyFile } from "../../tests/support/key-file.js";
import { type BenchChild, startChild } from "../children.js";
import { liftedRateLimits } from "../neighbours/server.js";

/** `KAFKA_TOPIC_PREFIX` of the server: the benchmark's topics stay apart from others'. */
export const loadTopicPrefix = "rpload";

/** Every quota far above what a run stores: counted as in production, never reached. */
const liftedQuotas: Readonly<Record<string, string>> = Object.fromEntries(
  Object.values(quotaVariables).map((name) => [name, "1000000000000000"]),
);

/** A ragplane child with all three of its ports. */
export interface LoadServer {
  readonly child: BenchChild;
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly metricsPort: number;
  /** The configuration the child read. */
  readonly config: Config;
  /** The `authorization` header of `tenant`: every data scope, and `admin` when asked for. */
  headers(tenant: string, options?: { readonly admin?: boolean }): Promise<Record<string, string>>;
}

/**
 * The environment of the ragplane child: `engines` (real engine variables; every one
 * unset runs embedded under `dataDir`), loopback ports, LOG_LEVEL=warn, every rate limit
 * and quota out of reach and EXPENSIVE_CALLS_PER_TENANT=0 (unbounded), so no call is
 * refused by a limit meant for a misbehaving tenant.
 */
export function serverEnv(
  dataDir: string,
  ports: { readonly http: number; readonly metrics: number },
  engines: Readonly<Record<string, string>>,
): Record<string, string> {
  return {
    ...embeddedEngineEnv,
    ...engines,
    ...liftedRateLimits,
    ...liftedQuotas,
    EXPENSIVE_CALLS_PER_TENANT: "0",
    DATA_DIR: dataDir,
    GRPC_PORT: "0",
    HTTP_PORT: String(ports.http),
    METRICS_PORT: String(ports.metrics),
    METRICS_ENABLED: "true",
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    AUTH_METHODS: "api-key,jwt",
    KAFKA_TOPIC_PREFIX: loadTopicPrefix,
    SHUTDOWN_GRACE_MS: "2000",
  };
}

/**
 * Starts `bench/server-process.ts` (the production interceptor chain) with
 * {@link serverEnv}, its HTTP and metrics ports picked free beforehand; on a Redis, with
 * the engines' shared key file (data keys there may have been made by an earlier run).
 */
export async function startLoadServer(
  dataDir: string,
  engines: Readonly<Record<string, string>>,
): Promise<LoadServer> {
  const ports = { http: await freePort(), metrics: await freePort() };
  const keyFile: Record<string, string> =
    engines.REDIS_URL === undefined
      ? {}
      : { ENCRYPTION_KEY_FILE: await sharedKeyFile(engines.RAGPLANE_ENGINES_DIR) };
  const env = { ...serverEnv(dataDir, ports, engines), ...keyFile };
  const config = loadConfig({ ...process.env, ...env });
  const child = await startChild("ragplane", { entry: "server-process.ts", env });
  return {
    child,
    grpcPort: child.port,
    httpPort: ports.http,
    metricsPort: ports.metrics,
    config,
    headers: (tenant, options) => tenantHeaders(config, tenant, options?.admin === true),
  };
}

/**
 * A tenant's `authorization` header: a JWT signed with the local key the child created in
 * its DATA_DIR, with the child's issuer, audience and claim names, every data scope,
 * valid 23 hours (under JWT_MAX_LIFETIME_S), its subject the tenant (so each tenant is
 * its own principal too); with `admin`, the admin scope as well.
 */
async function tenantHeaders(
  config: Config,
  tenant: string,
  admin: boolean,
): Promise<Record<string, string>> {
  const jwt = config.security.jwt;
  if (jwt === undefined || !jwt.useLocalKey) {
    throw new Error("the benchmark authenticates with the local signing key: unset JWT_* keys");
  }
  const token = await mintLocalToken({
    dataDir: config.dataDir,
    issuer: jwt.issuer,
    audience: jwt.audience,
    tenant,
    scopes: admin ? [...scopes] : scopes.filter((scope) => scope !== "admin"),
    subject: tenant,
    ttlSeconds: 82_800,
    tenantClaim: jwt.tenantClaim,
    scopesClaim: jwt.scopesClaim,
  });
  return { authorization: `Bearer ${token}` };
}

/** A loopback port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
