import { decodeProtectedHeader, type JSONWebKeySet, type JWTVerifyOptions, jwtVerify } from "jose";
import { EngineUnavailableError } from "../../clients/errors.js";
import type { JwtConfig } from "../../server/config-security.js";
import type { TokenVerifier } from "../authenticators.js";
import { UnauthenticatedError } from "../errors.js";
import type { Principal } from "../principal.js";
import type { RevocationList } from "../revocation/port.js";
import { tokenRevocationKey } from "../revocation/port.js";
import { VerifiedTokenCache } from "./cache.js";
import { toVerifiedToken } from "./claims.js";
import { createKeyResolver, type RemoteKeySetOptions } from "./keys.js";
import { toUnauthenticated } from "./reasons.js";

/** What {@link createTokenVerifier} needs. */
export interface TokenVerifierOptions {
  /** Key source, issuer, audience, algorithm allowlist, claim names and clock skew. */
  readonly config: JwtConfig;
  /** The local public JWKS; required when `config.useLocalKey`. */
  readonly localJwks?: JSONWebKeySet;
  /** Consulted for the token's `jti` on every call, cached or not. */
  readonly revocations: RevocationList;
  /** The clock, in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /** Most verified tokens kept; past it the oldest goes. Default 10 000; 0 turns caching off. */
  readonly cacheSize?: number;
  /** Fetching and caching of a JWKS URL. */
  readonly remoteKeys?: RemoteKeySetOptions;
}

/** A {@link TokenVerifier} that holds a cache and, with a JWKS URL, fetched keys. */
export interface JwtVerifier extends TokenVerifier {
  /** Drops the cache. Verification after `close` still works but starts cold. */
  close(): Promise<void>;
}

const maxTokenLength = 16_384;

/**
 * Creates the JWT verifier. A token passes when its `alg` is in the allowlist (never
 * `none`), its signature holds under the configured keys, `iss` and `aud` match, `exp`
 * is present and not past and `nbf` not ahead (both within `clockSkewS`), and it names a
 * subject and a tenant; then its `jti`, if any, must not be revoked. Verified tokens are
 * cached until `exp`: a cached token costs a map lookup and the revocation check.
 * Throws `KeySetError` when the keys cannot be set up.
 */
export function createTokenVerifier(options: TokenVerifierOptions): JwtVerifier {
  const { config, revocations } = options;
  const now = options.now ?? Date.now;
  const algorithms = allowlist(config.algorithms);
  const keys = createKeyResolver(config, options.localJwks, options.remoteKeys);
  const cache = new VerifiedTokenCache(options.cacheSize ?? 10_000);
  const verifyOptions: JWTVerifyOptions = {
    algorithms: [...algorithms],
    issuer: config.issuer,
    audience: config.audience,
    clockTolerance: config.clockSkewS,
    requiredClaims: ["exp"],
  };

  /**
   * Whether a token is revoked. Until the denylist is loaded (a replica starting while
   * Redis is down) nobody can tell, so the token is refused with UNAVAILABLE: failing
   * open would let a revoked token in.
   */
  const isRevoked = (tenant: string, jti: string): boolean => {
    if (!revocations.loaded) throw new EngineUnavailableError("token denylist (not loaded yet)");
    return revocations.isRevoked(tokenRevocationKey(tenant, jti));
  };

  async function verifyFully(token: string): Promise<Principal> {
    if (token.length > maxTokenLength) throw new UnauthenticatedError("malformed token");
    checkAlgorithm(token, algorithms);
    let verified: ReturnType<typeof toVerifiedToken>;
    try {
      const { payload } = await jwtVerify(token, keys, {
        ...verifyOptions,
        currentDate: new Date(now()),
      });
      verified = toVerifiedToken(payload, config, now());
    } catch (error) {
      throw toUnauthenticated(error);
    }
    if (verified.jti !== undefined && isRevoked(verified.principal.tenant, verified.jti)) {
      throw new UnauthenticatedError("token revoked");
    }
    if (verified.principal.expiresAt > now()) cache.set(token, verified);
    return verified.principal;
  }

  return {
    verify(token: string): Promise<Principal> {
      const hit = cache.get(token, now());
      if (hit === undefined) return verifyFully(token);
      try {
        if (hit.jti !== undefined && isRevoked(hit.principal.tenant, hit.jti)) {
          return Promise.reject(new UnauthenticatedError("token revoked"));
        }
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.resolve(hit.principal);
    },
    async close(): Promise<void> {
      cache.clear();
    },
  };
}

function allowlist(configured: readonly string[]): ReadonlySet<string> {
  const allowed = new Set(configured.filter((name) => name.toLowerCase() !== "none"));
  if (allowed.size === 0) throw new RangeError("JWT_ALGORITHMS: no usable algorithm");
  return allowed;
}

function checkAlgorithm(token: string, allowed: ReadonlySet<string>): void {
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw new UnauthenticatedError("malformed token");
  }
  if (typeof alg !== "string" || !allowed.has(alg)) {
    throw new UnauthenticatedError("algorithm not allowed");
  }
}
