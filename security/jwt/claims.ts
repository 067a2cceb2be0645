import type { JWTPayload } from "jose";
import type { JwtConfig } from "../../server/config-security.js";
import { UnauthenticatedError } from "../errors.js";
import type { Principal } from "../principal.js";
import { isScope, type Scope } from "../scopes.js";
import { isTenantName } from "../tenant.js";

/** What the verifier keeps of a token whose signature and standard claims hold. */
export interface VerifiedToken {
  /** The caller the token names; `expiresAt` is always set. */
  readonly principal: Principal & { readonly expiresAt: number };
  /** The token's `jti`, checked against the revocation list on every call. */
  readonly jti: string | undefined;
}

const maxSubjectLength = 256;
const maxJtiBytes = 256;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
const controlCharacters = /[\u0000-\u001f\u007f]/;

/**
 * Builds the principal from the claims of a token jose has verified (signature, `iss`,
 * `aud`, `exp`, `nbf`). Rejects with `UnauthenticatedError` a token that would outlive
 * the longest lifetime, one issued (`iat`) later than now plus the clock skew, and one
 * whose `sub`, the tenant claim,
 * the scopes claim or `jti` is missing where required or of the wrong shape. Scope names
 * ragplane does not know are ignored.
 */
export function toVerifiedToken(
  payload: JWTPayload,
  config: JwtConfig,
  nowMs: number,
): VerifiedToken {
  const exp = payload.exp;
  if (typeof exp !== "number") throw new UnauthenticatedError("no expiry claim");
  if (exp * 1000 > nowMs + (config.maxLifetimeS + config.clockSkewS) * 1000) {
    throw new UnauthenticatedError("token lifetime too long");
  }
  const iat = payload.iat;
  if (typeof iat === "number" && iat * 1000 > nowMs + config.clockSkewS * 1000) {
    throw new UnauthenticatedError("token issued in the future");
  }
  const principal: Principal & { readonly expiresAt: number } = Object.freeze({
    subject: `jwt:${config.issuer}#${subjectOf(payload.sub)}`,
    tenant: tenantOf(payload[config.tenantClaim]),
    scopes: scopesOf(payload[config.scopesClaim]),
    method: "jwt",
    expiresAt: exp * 1000,
  });
  return { principal, jti: jtiOf(payload.jti) };
}

function subjectOf(sub: unknown): string {
  if (sub === undefined) throw new UnauthenticatedError("no subject claim");
  if (
    typeof sub !== "string" ||
    sub.length === 0 ||
    sub.length > maxSubjectLength ||
    controlCharacters.test(sub)
  ) {
    throw new UnauthenticatedError("malformed token");
  }
  return sub;
}

function tenantOf(claim: unknown): string {
  if (claim === undefined || claim === null) throw new UnauthenticatedError("no tenant claim");
  if (typeof claim !== "string" || !isTenantName(claim)) {
    throw new UnauthenticatedError("invalid tenant claim");
  }
  return claim;
}

function scopesOf(claim: unknown): ReadonlySet<Scope> {
  const granted = new Set<Scope>();
  if (claim === undefined) return granted;
  const names = typeof claim === "string" ? claim.split(" ") : claim;
  if (!Array.isArray(names)) throw new UnauthenticatedError("malformed token");
  for (const name of names) {
    if (typeof name !== "string") throw new UnauthenticatedError("malformed token");
    if (isScope(name)) granted.add(name);
  }
  return granted;
}

function jtiOf(jti: unknown): string | undefined {
  if (jti === undefined) return undefined;
  if (typeof jti !== "string" || jti.length === 0 || Buffer.byteLength(jti) > maxJtiBytes) {
    throw new UnauthenticatedError("malformed token");
  }
  return jti;
}
