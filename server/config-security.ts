import { parseApiKey } from "../security/api-keys/format.js";
import type { AuthMethod } from "../security/principal.js";
import type { Budget, BudgetClass } from "../security/rate-limit/port.js";
import { tenantPattern } from "../security/tenant.js";
import type { EnvReader } from "./env-reader.js";

/** Authentication, TLS, limits and CORS, validated once at start. */
export interface SecurityConfig {
  /**
   * `AUTH_METHODS`: comma-separated `api-key`, `jwt`, `mtls`. Default `api-key,jwt`
   * outside production; required in production.
   */
  readonly authMethods: ReadonlySet<AuthMethod>;
  /** Set by `TLS_CERT_FILE` + `TLS_KEY_FILE`: both ports serve TLS. */
  readonly tls?: TlsConfig;
  /**
   * `TLS_TERMINATED_BY_PROXY`: the ports are reached only through a TLS-terminating
   * proxy, so production may bind beyond loopback without TLS. Default false.
   */
  readonly tlsTerminatedByProxy: boolean;
  /** `mtls` settings; present when `mtls` is among the methods. */
  readonly mtls?: {
    /** `MTLS_PRINCIPALS_FILE`: JSON map from SPIFFE id or CN to `{tenant, scopes}`. */
    readonly principalsFile: string;
  };
  /** `jwt` settings; present when `jwt` is among the methods. */
  readonly jwt?: JwtConfig;
  /** `ADMIN_TENANT`: its admins manage every tenant. Default `default`. */
  readonly adminTenant: string;
  /** `CORS_ORIGINS`: exact browser origins allowed on the HTTP port. Default none. */
  readonly corsOrigins: readonly string[];
  /** Rate limits per window; 0 switches a limit off. */
  readonly rateLimits: RateLimitConfig;
  /**
   * `STREAMS_MAX_PER_PRINCIPAL` (default 100) and `STREAMS_MAX_PER_TENANT` (default
   * 1 000): server streams open at once per process; 0 switches a limit off.
   */
  readonly streamLimits: { readonly maxPerPrincipal: number; readonly maxPerTenant: number };
  /**
   * `EXPENSIVE_CALLS_PER_TENANT`: expensive calls (deep traversals, exact searches) one
   * tenant may have running at once per process; 0 switches the limit off. Default 2.
   */
  readonly expensiveCallsPerTenant: number;
  /** `REVOCATION_REFRESH_MS`: how often a replica reloads the shared denylist. Default 1 000. */
  readonly revocationRefreshMs: number;
  /**
   * `BOOTSTRAP_ADMIN_KEY`: an `rp_…` key (from `npx ragplane keys generate`) stored, as a
   * hash, as the platform tenant's admin key when no key exists yet. Without it a
   * development server makes one and prints it; production makes none.
   */
  readonly bootstrapAdminKey?: string;
}

/** TLS files. */
export interface TlsConfig {
  /** `TLS_CERT_FILE`: PEM certificate chain. */
  readonly certFile: string;
  /** `TLS_KEY_FILE`: PEM private key. */
  readonly keyFile: string;
  /**
   * `TLS_CLIENT_CA_FILE`: PEM CA bundle for client certificates. When set the gRPC port
   * requires a client certificate; the HTTP port asks for one but accepts browsers
   * without (they then need a token).
   */
  readonly clientCaFile?: string;
  /**
   * `TLS_RELOAD_INTERVAL_MS`: how often the files are checked for a new certificate, key
   * or CA, which new handshakes then use without a restart; 0 never. Default 10 000.
   */
  readonly reloadIntervalMs: number;
}

/** How JWTs are verified. */
export interface JwtConfig {
  /** `JWT_JWKS_URL`: keys fetched and cached; refetched on an unknown `kid`. */
  readonly jwksUrl?: string;
  /** `JWT_JWKS_FILE`: keys from a JWKS file. */
  readonly jwksFile?: string;
  /**
   * `JWT_HMAC_SECRET`: shared secret for HS256/384/512, accepted only when those are in
   * `algorithms`; at least 32 bytes.
   */
  readonly hmacSecret?: string;
  /**
   * No URL, file or secret: tokens signed by the local key in `DATA_DIR/auth`, created on
   * first start (development only).
   */
  readonly useLocalKey: boolean;
  /** `JWT_ISSUER`: required `iss`. Default `ragplane-local` with the local key. */
  readonly issuer: string;
  /** `JWT_AUDIENCE`: required `aud`. Default `ragplane`. */
  readonly audience: string;
  /** `JWT_ALGORITHMS`: allowlist. Default `EdDSA,ES256,ES384,RS256,PS256`; `none` never. */
  readonly algorithms: readonly string[];
  /** `JWT_TENANT_CLAIM`. Default `tenant`. */
  readonly tenantClaim: string;
  /** `JWT_SCOPES_CLAIM`: space-separated string or array. Default `scope`. */
  readonly scopesClaim: string;
  /** `JWT_CLOCK_SKEW_S`: tolerance on `exp` and `nbf`. Default 30. */
  readonly clockSkewS: number;
  /**
   * `JWT_MAX_LIFETIME_S`: tokens expiring later than this from now are refused, so a
   * revocation (kept this long) always outlives the token. Default 86 400 (24 h).
   */
  readonly maxLifetimeS: number;
}

/** Rate-limit budgets by class. */
export interface RateLimitConfig {
  /** `RATE_LIMIT_WINDOW_MS`: the window every budget counts over. Default 1 000. */
  readonly windowMs: number;
  /**
   * `RATE_LIMIT_<CLASS>_PER_TENANT` and `RATE_LIMIT_<CLASS>_PER_PRINCIPAL`, CLASS one of
   * READ (default 2 000 / 1 000), WRITE (500 / 250), STREAM (50 / 20).
   */
  readonly budgets: Readonly<Record<BudgetClass, Budget>>;
  /**
   * `RATE_LIMIT_REFUSED_PER_CALLER`: calls refused as UNAUTHENTICATED (per peer host) or
   * PERMISSION_DENIED (per principal) a caller may make per window before its refused
   * calls get RESOURCE_EXHAUSTED; 0 for no limit. Default 50.
   */
  readonly refusedPerCaller: number;
}

const authMethods: readonly AuthMethod[] = ["api-key", "jwt", "mtls"];
const hmacAlgorithms = ["HS256", "HS384", "HS512"];
const asymmetricAlgorithms = [
  "EdDSA",
  "ES256",
  "ES384",
  "ES512",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
];
const defaultBudgets: Record<BudgetClass, Budget> = {
  read: { perTenant: 2_000, perPrincipal: 1_000 },
  write: { perTenant: 500, perPrincipal: 250 },
  stream: { perTenant: 50, perPrincipal: 20 },
};

/** Reads the security settings; problems go to `read`'s list. */
export function readSecurity(read: EnvReader, production: boolean): SecurityConfig {
  const methods = new Set<AuthMethod>();
  const fallback = production ? [] : ["api-key", "jwt"];
  for (const name of read.list("AUTH_METHODS", fallback)) {
    if ((authMethods as readonly string[]).includes(name)) methods.add(name as AuthMethod);
    else
      read.problem(
        `AUTH_METHODS: unknown method ${JSON.stringify(name)} (use ${authMethods.join(", ")})`,
      );
  }
  const tls = readTls(read);
  const bootstrapAdminKey = read.optional("BOOTSTRAP_ADMIN_KEY");
  if (bootstrapAdminKey !== undefined && parseApiKey(bootstrapAdminKey) === undefined)
    read.problem(
      "BOOTSTRAP_ADMIN_KEY is not an rp_ API key (make one with: npx ragplane keys generate)",
    );
  const security: SecurityConfig = {
    authMethods: methods,
    tlsTerminatedByProxy: read.boolean("TLS_TERMINATED_BY_PROXY", false),
    adminTenant: read.pattern("ADMIN_TENANT", "default", tenantPattern),
    corsOrigins: readOrigins(read),
    rateLimits: readRateLimits(read),
    streamLimits: {
      maxPerPrincipal: read.integer("STREAMS_MAX_PER_PRINCIPAL", 100, 0, 1_000_000),
      maxPerTenant: read.integer("STREAMS_MAX_PER_TENANT", 1_000, 0, 1_000_000),
    },
    expensiveCallsPerTenant: read.integer("EXPENSIVE_CALLS_PER_TENANT", 2, 0, 1_000_000),
    revocationRefreshMs: read.integer("REVOCATION_REFRESH_MS", 1_000, 100, 5_000),
    ...(tls === undefined ? {} : { tls }),
    ...(bootstrapAdminKey === undefined ? {} : { bootstrapAdminKey }),
    ...(methods.has("jwt") ? { jwt: readJwt(read) } : {}),
    ...(methods.has("mtls")
      ? { mtls: { principalsFile: read.required("MTLS_PRINCIPALS_FILE", "AUTH_METHODS=mtls") } }
      : {}),
  };
  if (methods.has("mtls") && tls?.clientCaFile === undefined) {
    read.problem("AUTH_METHODS=mtls needs TLS_CERT_FILE, TLS_KEY_FILE and TLS_CLIENT_CA_FILE");
  }
  return security;
}

function readTls(read: EnvReader): TlsConfig | undefined {
  const certFile = read.optional("TLS_CERT_FILE");
  const keyFile = read.optional("TLS_KEY_FILE");
  const clientCaFile = read.optional("TLS_CLIENT_CA_FILE");
  const reloadIntervalMs = read.integer("TLS_RELOAD_INTERVAL_MS", 10_000, 0, 86_400_000);
  if (certFile === undefined && keyFile === undefined) {
    if (clientCaFile !== undefined)
      read.problem("TLS_CLIENT_CA_FILE needs TLS_CERT_FILE and TLS_KEY_FILE");
    return undefined;
  }
  if (certFile === undefined || keyFile === undefined) {
    read.problem("TLS_CERT_FILE and TLS_KEY_FILE must be set together");
    return undefined;
  }
  return {
    certFile,
    keyFile,
    reloadIntervalMs,
    ...(clientCaFile === undefined ? {} : { clientCaFile }),
  };
}

function readJwt(read: EnvReader): JwtConfig {
  const jwksUrl = read.optional("JWT_JWKS_URL");
  const jwksFile = read.optional("JWT_JWKS_FILE");
  const hmacSecret = read.optional("JWT_HMAC_SECRET");
  if (jwksUrl !== undefined) read.url("JWT_JWKS_URL", jwksUrl, ["https:", "http:"]);
  if (jwksUrl !== undefined && jwksFile !== undefined)
    read.problem("set JWT_JWKS_URL or JWT_JWKS_FILE, not both");
  const useLocalKey = jwksUrl === undefined && jwksFile === undefined && hmacSecret === undefined;
  const fallbackAlgorithms =
    hmacSecret === undefined ? ["EdDSA", "ES256", "ES384", "RS256", "PS256"] : ["HS256"];
  const algorithms = read.list("JWT_ALGORITHMS", fallbackAlgorithms);
  for (const algorithm of algorithms) {
    const symmetric = hmacAlgorithms.includes(algorithm);
    if (!symmetric && !asymmetricAlgorithms.includes(algorithm))
      read.problem(`JWT_ALGORITHMS: ${JSON.stringify(algorithm)} is not an accepted algorithm`);
    else if (symmetric && hmacSecret === undefined)
      read.problem(`JWT_ALGORITHMS: ${algorithm} needs JWT_HMAC_SECRET`);
  }
  if (hmacSecret !== undefined && Buffer.byteLength(hmacSecret) < 32)
    read.problem("JWT_HMAC_SECRET must be at least 32 bytes");
  return {
    useLocalKey,
    issuer: useLocalKey
      ? read.text("JWT_ISSUER", "ragplane-local")
      : read.required("JWT_ISSUER", "AUTH_METHODS=jwt"),
    audience: read.text("JWT_AUDIENCE", "ragplane"),
    algorithms,
    tenantClaim: read.text("JWT_TENANT_CLAIM", "tenant"),
    scopesClaim: read.text("JWT_SCOPES_CLAIM", "scope"),
    clockSkewS: read.integer("JWT_CLOCK_SKEW_S", 30, 0, 300),
    maxLifetimeS: read.integer("JWT_MAX_LIFETIME_S", 86_400, 60, 2_592_000),
    ...(jwksUrl === undefined ? {} : { jwksUrl }),
    ...(jwksFile === undefined ? {} : { jwksFile }),
    ...(hmacSecret === undefined ? {} : { hmacSecret }),
  };
}

function readOrigins(read: EnvReader): string[] {
  const origins = read.list("CORS_ORIGINS", []);
  for (const origin of origins) {
    let valid = false;
    try {
      const url = new URL(origin);
      valid =
        (url.protocol === "https:" || url.protocol === "http:") &&
        url.origin === origin &&
        !origin.includes("*");
    } catch {
      valid = false;
    }
    if (!valid)
      read.problem(
        `CORS_ORIGINS: ${JSON.stringify(origin)} is not an exact origin like https://app.example.com (no "*", path or trailing slash)`,
      );
  }
  return origins;
}

function readRateLimits(read: EnvReader): RateLimitConfig {
  const budget = (name: string, fallback: Budget): Budget => ({
    perTenant: read.integer(`RATE_LIMIT_${name}_PER_TENANT`, fallback.perTenant, 0, 10_000_000),
    perPrincipal: read.integer(
      `RATE_LIMIT_${name}_PER_PRINCIPAL`,
      fallback.perPrincipal,
      0,
      10_000_000,
    ),
  });
  return {
    windowMs: read.integer("RATE_LIMIT_WINDOW_MS", 1_000, 100, 3_600_000),
    budgets: {
      read: budget("READ", defaultBudgets.read),
      write: budget("WRITE", defaultBudgets.write),
      stream: budget("STREAM", defaultBudgets.stream),
    },
    refusedPerCaller: read.integer("RATE_LIMIT_REFUSED_PER_CALLER", 50, 0, 10_000_000),
  };
}
