import { readFileSync } from "node:fs";
import {
  type CryptoKey,
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from "jose";
import type { JwtConfig } from "../../server/config-security.js";
import { UnauthenticatedError } from "../errors.js";
import { KeySetError } from "./errors.js";

/** How a remote JWKS (`JWT_JWKS_URL`) is fetched and cached. */
export interface RemoteKeySetOptions {
  /**
   * After a fetch, how long a token with an unknown `kid` is refused without fetching
   * again, so a flood of made-up `kid`s cannot hammer the issuer. Default 30 000 ms.
   */
  readonly cooldownMs?: number;
  /** How long fetched keys are used before they are fetched again. Default 600 000 ms. */
  readonly cacheMaxAgeMs?: number;
  /** Longest wait for the JWKS endpoint. Default 5 000 ms. */
  readonly timeoutMs?: number;
}

/** Finds the key for a token's protected header, as jose's `jwtVerify` expects. */
export type KeyResolver = (
  header: JWSHeaderParameters,
  token: FlattenedJWSInput,
) => Promise<CryptoKey | Uint8Array>;

/**
 * Picks the keys named by the configuration: the HMAC secret for `HS*` tokens, and for
 * every other algorithm the JWKS URL, the JWKS file (read now) or the local public JWKS.
 * Throws `KeySetError` when the keys cannot be set up. The resolver rejects with
 * `UnauthenticatedError` ("unknown key", "key set unavailable").
 */
export function createKeyResolver(
  config: JwtConfig,
  localJwks: JSONWebKeySet | undefined,
  remote: RemoteKeySetOptions = {},
): KeyResolver {
  const secret =
    config.hmacSecret === undefined ? undefined : new TextEncoder().encode(config.hmacSecret);
  const keySet = publicKeySet(config, localJwks, remote);
  if (secret === undefined && keySet === undefined) {
    throw new KeySetError("JWT", "no JWKS URL, JWKS file, HMAC secret or local key");
  }
  return async (header, token) => {
    if (header.alg?.startsWith("HS")) {
      if (secret === undefined) throw new UnauthenticatedError("unknown key");
      return secret;
    }
    if (keySet === undefined) throw new UnauthenticatedError("unknown key");
    try {
      return await keySet(header, token);
    } catch (error) {
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys
      ) {
        throw new UnauthenticatedError("unknown key");
      }
      throw new UnauthenticatedError("key set unavailable", { cause: error });
    }
  };
}

function publicKeySet(
  config: JwtConfig,
  localJwks: JSONWebKeySet | undefined,
  remote: RemoteKeySetOptions,
): KeyResolver | undefined {
  if (config.jwksUrl !== undefined && config.jwksFile !== undefined) {
    throw new KeySetError("JWT_JWKS_URL", "set either JWT_JWKS_URL or JWT_JWKS_FILE, not both");
  }
  if (config.jwksUrl !== undefined) {
    return createRemoteJWKSet(new URL(config.jwksUrl), {
      cooldownDuration: remote.cooldownMs ?? 30_000,
      cacheMaxAge: remote.cacheMaxAgeMs ?? 600_000,
      timeoutDuration: remote.timeoutMs ?? 5_000,
    });
  }
  if (config.jwksFile !== undefined)
    return localKeySet("JWT_JWKS_FILE", readJwksFile(config.jwksFile));
  if (config.useLocalKey) {
    if (localJwks === undefined) throw new KeySetError("local key", "no local public JWKS given");
    return localKeySet("local key", localJwks);
  }
  return undefined;
}

function readJwksFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new KeySetError("JWT_JWKS_FILE", `cannot read a JSON key set from ${path}`, {
      cause: error,
    });
  }
}

function localKeySet(source: string, jwks: unknown): KeyResolver {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new KeySetError(source, 'not a JWKS: expected {"keys": [ … ]} with at least one key');
  }
  for (const key of keys) {
    const jwk = key as { kty?: unknown; d?: unknown } | null;
    if (jwk?.kty === "oct" || jwk?.d !== undefined) {
      throw new KeySetError(source, "holds a private or symmetric key; publish public keys only");
    }
  }
  try {
    return createLocalJWKSet(jwks as JSONWebKeySet);
  } catch (error) {
    throw new KeySetError(source, "not a valid JWKS", { cause: error });
  }
}
