import type { Logger } from "pino";
import type { EngineHealth } from "../clients/health.js";
import { LogApiKeyStore } from "../security/api-keys/log-store.js";
import type { ApiKeyStore } from "../security/api-keys/port.js";
import { createApiKeyVerifier } from "../security/api-keys/verifier.js";
import { LogAuditLog } from "../security/audit/log-audit.js";
import type { AuditLog } from "../security/audit/port.js";
import { TenantAuditSettingsStore } from "../security/audit/tenant-settings.js";
import type { Authenticators } from "../security/authenticators.js";
import { loadOrCreateLocalSigningKey, localSigningKeyPath } from "../security/jwt/local-key.js";
import { createTokenVerifier } from "../security/jwt/verifier.js";
import { loadCertificateMapper } from "../security/mtls/mapper.js";
import { createRateLimiter } from "../security/rate-limit/limiter.js";
import type { RateLimiter } from "../security/rate-limit/port.js";
import { RefusalBudget } from "../security/rate-limit/refusals.js";
import { EmbeddedRevocationList } from "../security/revocation/embedded.js";
import type { RevocationList } from "../security/revocation/port.js";
import { RedisRevocationList } from "../security/revocation/redis.js";
import { type BackupSource, fileCopy } from "./backup/sources.js";
import { type BootstrapResult, bootstrapAdminKey } from "./bootstrap.js";
import type { Config } from "./config.js";
import { connectInBackground } from "./deferred-engine.js";
import type { OpenEngines } from "./engines.js";
import { PendingRevocationList, SwitchingRateLimiter } from "./switching.js";
import { type LoadedTls, loadTls } from "./transports/tls.js";

/** Everything the chain and the admin service need to secure the server. */
export interface OpenSecurity {
  readonly authenticators: Authenticators;
  readonly audit: AuditLog;
  /** The audit trail's hash chains, which AdminService/VerifyAuditTrail checks. */
  readonly auditTrail: LogAuditLog;
  /** Tenants' audit settings (read auditing), shared by every replica. */
  readonly auditSettings: TenantAuditSettingsStore;
  readonly limiter: RateLimiter;
  /** The budget refused calls draw from (see `RefusalBudget`). */
  readonly refusals: RefusalBudget;
  readonly keys: ApiKeyStore;
  readonly revocations: RevocationList;
  /**
   * What a backup copies of the security state in DATA_DIR: the local signing key, and the
   * token denylist when it is embedded (API keys and the audit trail are on the event log).
   */
  readonly backupSources: readonly BackupSource[];
  /** Whether the API key store has loaded (AdminService's readiness). */
  health(): Promise<EngineHealth>;
  /** The TLS material of both ports, when TLS is configured. */
  readonly tls?: LoadedTls;
  /**
   * Stores the first admin key when no key exists yet (once the key store is ready), and
   * resolves with it so that it is shown once; undefined when keys exist or none is made.
   * Called once both ports listen, so that a start that fails never stores a key nobody
   * saw.
   */
  bootstrap(): Promise<BootstrapResult | undefined>;
  /** Stops background work and flushes the audit trail. */
  close(): Promise<void>;
}

/**
 * Opens the security components on top of the engines: API keys and the audit trail
 * on the event log (SQLite when embedded, Kafka topics in production), JWT verification,
 * the mTLS principal map, the revocation denylist (Redis when configured), and rate
 * limits (in memory, moving to Redis once it answers). While a real event log is still
 * connecting, API keys answer UNAVAILABLE and audit events wait in memory.
 */
export async function openSecurity(
  config: Config,
  engines: OpenEngines,
  logger: Logger,
): Promise<OpenSecurity> {
  const { security } = config;
  const tls = security.tls === undefined ? undefined : await loadTls(security.tls);
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of [...closers].reverse()) await close().catch(() => undefined);
  };
  try {
    const keysDeferred = connectInBackground(
      async () => withHealth(await LogApiKeyStore.open({ events: engines.events, logger })),
      { name: "api key store", logger },
    );
    const keys = keysDeferred.engine;
    closers.push(() => keys.close());
    const audit = await LogAuditLog.open({ events: engines.events, logger });
    closers.push(() => audit.close());
    const auditSettings = new TenantAuditSettingsStore({ events: engines.events, logger });
    auditSettings.start().catch(() => undefined);
    closers.push(() => auditSettings.close());

    const revocations = await openRevocations(config, engines, logger);
    closers.push(() => revocations.close());
    const limiter = new SwitchingRateLimiter(
      createRateLimiter({ config: security.rateLimits, logger }),
      engines.redisReady?.then((redis) =>
        createRateLimiter({ config: security.rateLimits, redis, logger }),
      ),
      (error) =>
        logger.error({ err: error }, "shared rate limits unavailable; limiting per process"),
    );
    closers.push(() => limiter.close());

    const authenticators: {
      -readonly [K in keyof Authenticators]: Authenticators[K];
    } = {};
    if (security.authMethods.has("api-key"))
      authenticators.apiKeys = createApiKeyVerifier({ store: keys });
    if (security.jwt !== undefined) {
      const localJwks = security.jwt.useLocalKey
        ? (await loadOrCreateLocalSigningKey(config.dataDir)).publicJwks
        : undefined;
      const tokens = createTokenVerifier({
        config: security.jwt,
        revocations,
        ...(localJwks === undefined ? {} : { localJwks }),
      });
      closers.push(() => tokens.close());
      authenticators.tokens = tokens;
    }
    if (security.mtls !== undefined) {
      authenticators.certificates = await loadCertificateMapper(security.mtls.principalsFile);
    }

    const bootstrap = () =>
      security.authMethods.has("api-key")
        ? keysDeferred.ready.then((store) =>
            bootstrapAdminKey(store, {
              tenant: security.adminTenant,
              generate: !config.production,
              ...(security.bootstrapAdminKey === undefined
                ? {}
                : { provided: security.bootstrapAdminKey }),
            }),
          )
        : Promise.resolve(undefined);
    return {
      authenticators,
      audit,
      auditTrail: audit,
      auditSettings,
      limiter,
      refusals: new RefusalBudget(
        security.rateLimits.refusedPerCaller,
        security.rateLimits.windowMs,
      ),
      keys,
      revocations,
      backupSources: [
        ...(revocations instanceof EmbeddedRevocationList
          ? [{ name: "token denylist", directory: "auth", store: revocations }]
          : []),
        {
          name: "signing key",
          directory: "auth",
          store: fileCopy(localSigningKeyPath(config.dataDir)),
        },
      ],
      bootstrap,
      health: async () => {
        const keysHealth = await keysDeferred.engine.health();
        if (!keysHealth.ok || authenticators.tokens === undefined || revocations.loaded) {
          return keysHealth;
        }
        return { ok: false, detail: "the token denylist is not loaded yet (Redis)" };
      },
      ...(tls === undefined ? {} : { tls }),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function openRevocations(
  config: Config,
  engines: OpenEngines,
  logger: Logger,
): Promise<RevocationList> {
  if (engines.redisReady === undefined) return EmbeddedRevocationList.open(config.dataDir);
  return new PendingRevocationList(
    engines.redisReady.then((redis) =>
      RedisRevocationList.start({
        redis,
        refreshMs: config.security.revocationRefreshMs,
        logger,
      }),
    ),
    (error) => logger.error({ err: error }, "token denylist unavailable"),
  );
}

function withHealth(store: ApiKeyStore): ApiKeyStore & { health(): Promise<{ ok: true }> } {
  return Object.assign(store, { health: async () => ({ ok: true as const }) });
}
