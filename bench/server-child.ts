import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import { mintLocalToken } from "../security/jwt/local-key.js";
import { scopes } from "../security/scopes.js";
import { build } from "../server/build.js";
import { type Config, loadConfig } from "../server/config.js";
import { openEngines } from "../server/engines.js";
import { createLogger } from "../server/logger.js";
import { openSecurity } from "../server/security.js";
import { createTelemetry } from "../server/telemetry/telemetry.js";
import type { Tracing } from "../server/telemetry/tracing.js";
import { benchTenant, emptyChain } from "./chain/empty-chain.js";
import { serveParent } from "./ipc.js";

/**
 * Rate limits of the child unless the parent sets them: the most the configuration
 * allows per window, so a benchmark never sees a refusal while the limiter still counts.
 */
const unreachableLimits: Readonly<Record<string, string>> = Object.fromEntries(
  ["READ", "WRITE", "STREAM"].flatMap((budget) =>
    ["TENANT", "PRINCIPAL"].map((per) => [`RATE_LIMIT_${budget}_PER_${per}`, "10000000"]),
  ),
);

/** How long the child waits for REDIS_URL to answer before giving up. */
const redisTimeoutMs = 30_000;

/**
 * The benchmark child's server (started by `server-process.ts`): ragplane on embedded
 * engines, configured from the environment the parent sets (DATA_DIR, GRPC_PORT=0,
 * HTTP_PORT=0, LOG_LEVEL, REDIS_URL, METRICS_*, OTEL_*), with its telemetry as in production,
 * with the production interceptor chain, or with `--chain=empty` the one-interceptor
 * baseline of `chain/empty-chain.ts`. Once listening it mints a token with the local
 * signing key in DATA_DIR (tenant `default`, every data scope, one hour) and reports its
 * gRPC port and the `authorization` header to send over IPC.
 */
export async function runBenchServer(tracing: Tracing | undefined): Promise<void> {
  const chain = chainArgument(process.argv.slice(2));
  const config = loadConfig({ ...unreachableLimits, ...process.env });
  const logger = createLogger(config.logLevel);
  const telemetry = createTelemetry(config, tracing);
  const engines = await openEngines(config, logger, telemetry);
  const security = await openSecurity(config, engines, logger);
  await security.bootstrap();
  if (engines.redisReady !== undefined) {
    await withTimeout(engines.redisReady, redisTimeoutMs, "REDIS_URL did not answer");
    // the limiter moves to Redis in a callback of the same promise
    await nextTurn();
  }
  const server = build({
    config,
    logger,
    engines,
    security,
    telemetry,
    ...(chain === "empty" ? { chain: emptyChain } : {}),
  });
  const { grpcPort } = await server.listen();
  const token = await benchToken(config);
  serveParent(
    grpcPort,
    async () => {
      await server.close();
      await security.close();
      await engines.close();
      await tracing?.shutdown();
    },
    { authorization: `Bearer ${token}` },
  );
}

function chainArgument(args: readonly string[]): "full" | "empty" {
  const value = args.find((arg) => arg.startsWith("--chain="))?.slice("--chain=".length) ?? "full";
  if (value === "full" || value === "empty") return value;
  throw new Error(`--chain=${value}: expected full or empty`);
}

/** A token the server's JWT verifier accepts: signed by the local key, its issuer and audience. */
async function benchToken(config: Config): Promise<string> {
  const jwt = config.security.jwt;
  if (jwt === undefined || !jwt.useLocalKey) {
    throw new Error(
      "the benchmark authenticates with the local signing key: AUTH_METHODS must include jwt, " +
        "and JWT_JWKS_URL, JWT_JWKS_FILE and JWT_HMAC_SECRET must be unset",
    );
  }
  return await mintLocalToken({
    dataDir: config.dataDir,
    issuer: jwt.issuer,
    audience: jwt.audience,
    tenant: benchTenant,
    scopes: scopes.filter((scope) => scope !== "admin"),
    subject: "bench",
    ttlSeconds: 3600,
    tenantClaim: jwt.tenantClaim,
    scopesClaim: jwt.scopesClaim,
  });
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  const timer = new AbortController();
  const expired = sleep(ms, undefined, { signal: timer.signal }).then(() => {
    throw new Error(`${message} within ${ms} ms`);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    timer.abort();
  }
}
