import { randomUUID } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  SignJWT,
} from "jose";
import { isTenantName } from "../tenant.js";
import { LocalKeyError } from "./errors.js";

/** The development signing key and the public JWKS the verifier trusts it through. */
export interface LocalSigningKey {
  /** The Ed25519 private key (`kty: OKP`, `alg: EdDSA`, `kid` = RFC 7638 thumbprint). */
  readonly privateJwk: JWK;
  /** The matching public key, as the verifier's `localJwks`. */
  readonly publicJwks: JSONWebKeySet;
  /** True when this call made the key. */
  readonly created: boolean;
}

/** Where the local signing key lives: `<dataDir>/auth/local-signing-key.json`. */
export function localSigningKeyPath(dataDir: string): string {
  return join(dataDir, "auth", "local-signing-key.json");
}

/**
 * Loads the local Ed25519 signing key, creating it on first use: the file is written
 * with mode 0600 in a directory of mode 0700 and appears atomically, so concurrent
 * starts agree on one key. Throws `LocalKeyError` when the file exists but is readable
 * by other users or is not an Ed25519 private key. For development: production uses a
 * JWKS URL, a JWKS file or an HMAC secret.
 */
export async function loadOrCreateLocalSigningKey(dataDir: string): Promise<LocalSigningKey> {
  const path = localSigningKeyPath(dataDir);
  const dir = join(dataDir, "auth");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== "win32") chmodSync(dir, 0o700);
  const existing = readKeyFile(path);
  if (existing !== undefined) return await fromPrivateJwk(path, existing, false);
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint({ kty: "OKP", crv: "Ed25519", x: jwk.x ?? "" });
  const privateJwk: JWK = {
    kty: "OKP",
    crv: "Ed25519",
    x: jwk.x,
    d: jwk.d,
    kid,
    alg: "EdDSA",
    use: "sig",
  };
  if (!createExclusively(path, `${JSON.stringify(privateJwk, null, 2)}\n`)) {
    const winner = readKeyFile(path);
    if (winner === undefined) throw new LocalKeyError(path, "vanished while being created");
    return await fromPrivateJwk(path, winner, false);
  }
  return await fromPrivateJwk(path, privateJwk, true);
}

/** What {@link mintLocalToken} puts in the token. */
export interface LocalTokenOptions {
  /** Where the local key lives (created if missing). */
  readonly dataDir: string;
  /** `iss`; must equal the server's `JWT_ISSUER` (default `ragplane-local`). */
  readonly issuer: string;
  /** `aud`; must equal the server's `JWT_AUDIENCE` (default `ragplane`). */
  readonly audience: string;
  /** The tenant the token acts for. */
  readonly tenant: string;
  /** Scope names, written space-separated. */
  readonly scopes: readonly string[];
  /** `sub`. */
  readonly subject: string;
  /** Lifetime in seconds, a positive integer. */
  readonly ttlSeconds: number;
  /** `jti`, to allow revocation. Default a random UUID. */
  readonly jti?: string;
  /** Claim holding the tenant (`JWT_TENANT_CLAIM`). Default `tenant`. */
  readonly tenantClaim?: string;
  /** Claim holding the scopes (`JWT_SCOPES_CLAIM`). Default `scope`. */
  readonly scopesClaim?: string;
  /** The clock, in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Mints a development token signed with the local key: compact JWT, `alg: EdDSA`, the
 * key's `kid`, and `iss`, `aud`, `sub`, `jti`, `iat`, `exp`, tenant and scopes claims.
 * Throws `RangeError` on a lifetime that is not a positive integer or an invalid tenant.
 */
export async function mintLocalToken(options: LocalTokenOptions): Promise<string> {
  if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds <= 0) {
    throw new RangeError(`ttlSeconds must be a positive integer, got ${options.ttlSeconds}`);
  }
  if (!isTenantName(options.tenant)) {
    throw new RangeError(`tenant ${JSON.stringify(options.tenant)} is not a valid tenant name`);
  }
  const { privateJwk } = await loadOrCreateLocalSigningKey(options.dataDir);
  const key = await importJWK(privateJwk, "EdDSA");
  const issuedAt = Math.floor((options.now ?? Date.now)() / 1000);
  return await new SignJWT({
    [options.tenantClaim ?? "tenant"]: options.tenant,
    [options.scopesClaim ?? "scope"]: options.scopes.join(" "),
  })
    .setProtectedHeader({ alg: "EdDSA", kid: privateJwk.kid, typ: "JWT" })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setSubject(options.subject)
    .setJti(options.jti ?? randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + options.ttlSeconds)
    .sign(key);
}

function readKeyFile(path: string): unknown {
  let text: string;
  try {
    if (process.platform !== "win32" && (statSync(path).mode & 0o077) !== 0) {
      throw new LocalKeyError(path, `is readable by other users; run chmod 600 ${path}`);
    }
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    if (error instanceof LocalKeyError) throw error;
    throw new LocalKeyError(path, "cannot be read", { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LocalKeyError(path, "is not JSON", { cause: error });
  }
}

async function fromPrivateJwk(
  path: string,
  value: unknown,
  created: boolean,
): Promise<LocalSigningKey> {
  const jwk = value as Partial<Record<string, unknown>> | null;
  const { x, d } = jwk ?? {};
  if (
    jwk?.kty !== "OKP" ||
    jwk.crv !== "Ed25519" ||
    typeof x !== "string" ||
    typeof d !== "string"
  ) {
    throw new LocalKeyError(path, "is not an Ed25519 private key");
  }
  const kid = await calculateJwkThumbprint({ kty: "OKP", crv: "Ed25519", x });
  if (jwk.kid !== kid) throw new LocalKeyError(path, "has a kid that is not the key's thumbprint");
  const publicJwk: JWK = { kty: "OKP", crv: "Ed25519", x, kid, alg: "EdDSA", use: "sig" };
  return {
    privateJwk: { ...publicJwk, d },
    publicJwks: { keys: [publicJwk] },
    created,
  };
}

function createExclusively(path: string, contents: string): boolean {
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  try {
    const fd = openSync(temporary, "wx", 0o600);
    try {
      writeSync(fd, contents);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}
