import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineUnavailableError } from "../../clients/errors.js";
import { UnauthenticatedError } from "../../security/errors.js";
import { KeySetError } from "../../security/jwt/errors.js";
import { createTokenVerifier, type JwtVerifier } from "../../security/jwt/verifier.js";
import type { JwtConfig } from "../../server/config-security.js";
import {
  createTestKey,
  jwksOf,
  memoryRevocations,
  signHmacToken,
  signToken,
  type TestKey,
  testClaims,
  testJwtConfig,
  unsecuredToken,
} from "../support/jwt.js";

const start = Date.parse("2030-01-01T00:00:00Z");
const nowS = start / 1000;
const secret = "a-shared-secret-of-at-least-32-bytes!";

/** Awaits a verification that must fail and returns its reason. */
async function reasonOf(verifier: JwtVerifier, token: string): Promise<string> {
  try {
    await verifier.verify(token);
  } catch (error) {
    if (error instanceof UnauthenticatedError) return error.reason;
    throw error;
  }
  throw new Error("expected the token to be refused");
}

describe("createTokenVerifier with a JWKS file", () => {
  let dir: string;
  let es256: TestKey;
  let eddsa: TestKey;
  let es384: TestKey;
  let stranger: TestKey;
  let config: JwtConfig;
  const claims = (overrides: JWTPayload = {}) => testClaims(overrides, start);
  const verifierFor = (overrides: Partial<JwtConfig> = {}) =>
    createTokenVerifier({
      config: { ...config, ...overrides },
      revocations: memoryRevocations(),
      now: () => start,
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ragplane-jwt-"));
    es256 = await createTestKey("ES256");
    eddsa = await createTestKey("EdDSA");
    es384 = await createTestKey("ES384");
    stranger = await createTestKey("ES256");
    const jwksFile = join(dir, "jwks.json");
    writeFileSync(jwksFile, JSON.stringify(jwksOf(es256, eddsa, es384)));
    config = testJwtConfig({ jwksFile });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses every token with UNAVAILABLE until the denylist is loaded, so a revoked one never slips in", async () => {
    const revocations = memoryRevocations(false);
    const verifier = createTokenVerifier({ config, revocations, now: () => start });
    const token = await signToken(es256, claims({ jti: "t-1" }));
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(EngineUnavailableError);
    Object.assign(revocations, { loaded: true });
    await expect(verifier.verify(token)).resolves.toMatchObject({ tenant: "acme" });
    Object.assign(revocations, { loaded: false });
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(EngineUnavailableError);
  });

  it("refuses a token that would outlive JWT_MAX_LIFETIME_S, and so any revocation", async () => {
    const verifier = verifierFor({ maxLifetimeS: 3_600 });
    const long = await signToken(es256, claims({ exp: nowS + 3_600 + 31 }));
    expect(await reasonOf(verifier, long)).toBe("token lifetime too long");
    const within = await signToken(es256, claims({ exp: nowS + 3_600 }));
    await expect(verifier.verify(within)).resolves.toMatchObject({ tenant: "acme" });
  });

  it("refuses a token issued later than now plus the clock skew", async () => {
    const verifier = verifierFor();
    for (const ahead of [31, 3_600, 365 * 86_400]) {
      const future = await signToken(es256, claims({ iat: nowS + ahead }));
      expect(await reasonOf(verifier, future)).toBe("token issued in the future");
    }
    const skewed = await signToken(es256, claims({ iat: nowS + 30 }));
    await expect(verifier.verify(skewed)).resolves.toMatchObject({ tenant: "acme" });
  });

  it("turns a valid ES256 token into the principal it names", async () => {
    const principal = await verifierFor().verify(await signToken(es256, claims()));
    expect(principal).toEqual({
      subject: "jwt:https://issuer.test#user-1",
      tenant: "acme",
      scopes: new Set(["vectors:read", "events:read"]),
      method: "jwt",
      expiresAt: (nowS + 600) * 1000,
    });
  });

  it("accepts EdDSA tokens when EdDSA is allowed", async () => {
    const principal = await verifierFor().verify(await signToken(eddsa, claims({ sub: "svc" })));
    expect(principal.subject).toBe("jwt:https://issuer.test#svc");
  });

  it("refuses an expired token beyond the clock skew", async () => {
    const token = await signToken(es256, claims({ exp: nowS - 31 }));
    expect(await reasonOf(verifierFor(), token)).toBe("token expired");
  });

  it("tolerates an expiry and a not-before within JWT_CLOCK_SKEW_S", async () => {
    const verifier = verifierFor();
    const expired = await signToken(es256, claims({ exp: nowS - 29 }));
    const early = await signToken(es256, claims({ nbf: nowS + 29 }));
    expect((await verifier.verify(expired)).tenant).toBe("acme");
    expect((await verifier.verify(early)).tenant).toBe("acme");
    expect(await reasonOf(verifierFor({ clockSkewS: 0 }), expired)).toBe("token expired");
  });

  it("refuses a token whose nbf is beyond the clock skew", async () => {
    const token = await signToken(es256, claims({ nbf: nowS + 31 }));
    expect(await reasonOf(verifierFor(), token)).toBe("token not yet valid");
  });

  it("refuses a token without exp", async () => {
    const token = await signToken(es256, claims({ exp: undefined }));
    expect(await reasonOf(verifierFor(), token)).toBe("no expiry claim");
  });

  it("refuses a wrong or missing audience", async () => {
    const verifier = verifierFor();
    expect(await reasonOf(verifier, await signToken(es256, claims({ aud: "other" })))).toBe(
      "wrong audience",
    );
    expect(await reasonOf(verifier, await signToken(es256, claims({ aud: undefined })))).toBe(
      "wrong audience",
    );
  });

  it("refuses a wrong issuer", async () => {
    const token = await signToken(es256, claims({ iss: "https://evil.test" }));
    expect(await reasonOf(verifierFor(), token)).toBe("wrong issuer");
  });

  it("refuses a token signed by a key outside the JWKS under a known kid", async () => {
    const forged = await signToken(stranger, claims(), { kid: es256.kid });
    expect(await reasonOf(verifierFor(), forged)).toBe("bad signature");
  });

  it("refuses a token whose kid is not in the JWKS", async () => {
    expect(await reasonOf(verifierFor(), await signToken(stranger, claims()))).toBe("unknown key");
  });

  it("refuses alg none, even if none were listed in the allowlist", async () => {
    const token = unsecuredToken(claims());
    expect(await reasonOf(verifierFor(), token)).toBe("algorithm not allowed");
    const lax = verifierFor({ algorithms: ["none", "ES256"] });
    expect(await reasonOf(lax, token)).toBe("algorithm not allowed");
    expect(await reasonOf(lax, unsecuredToken(claims(), { alg: "NONE" }))).toBe(
      "algorithm not allowed",
    );
  });

  it("refuses an HS256 token when only asymmetric algorithms are allowed", async () => {
    const publicKeyAsSecret = JSON.stringify(es256.publicJwk);
    const token = await signHmacToken(publicKeyAsSecret, claims());
    expect(await reasonOf(verifierFor(), token)).toBe("algorithm not allowed");
  });

  it("refuses an algorithm outside the allowlist even when its key is in the JWKS", async () => {
    const token = await signToken(es384, claims());
    expect(await reasonOf(verifierFor(), token)).toBe("algorithm not allowed");
    const principal = await verifierFor({ algorithms: ["ES384"] }).verify(token);
    expect(principal.tenant).toBe("acme");
  });

  it("requires a subject", async () => {
    const token = await signToken(es256, claims({ sub: undefined }));
    expect(await reasonOf(verifierFor(), token)).toBe("no subject claim");
  });

  it("requires a well-formed tenant claim", async () => {
    const verifier = verifierFor();
    const missing = await signToken(es256, claims({ tenant: undefined }));
    expect(await reasonOf(verifier, missing)).toBe("no tenant claim");
    for (const tenant of ["../etc", "", "-acme", "a".repeat(65), 42, ["acme"]]) {
      const token = await signToken(es256, claims({ tenant }));
      expect(await reasonOf(verifier, token)).toBe("invalid tenant claim");
    }
  });

  it("reads the tenant and scopes from the configured claims", async () => {
    const verifier = verifierFor({ tenantClaim: "org", scopesClaim: "permissions" });
    const token = await signToken(
      es256,
      claims({ tenant: undefined, scope: undefined, org: "globex", permissions: ["admin"] }),
    );
    const principal = await verifier.verify(token);
    expect(principal.tenant).toBe("globex");
    expect(principal.scopes).toEqual(new Set(["admin"]));
  });

  it("reads scopes from a space-separated string or an array, ignoring unknown names", async () => {
    const verifier = verifierFor();
    const fromString = await signToken(
      es256,
      claims({ scope: "graphs:read  openid graphs:write" }),
    );
    const fromArray = await signToken(es256, claims({ scope: ["events:write", "profile"] }));
    const none = await signToken(es256, claims({ scope: undefined }));
    expect((await verifier.verify(fromString)).scopes).toEqual(
      new Set(["graphs:read", "graphs:write"]),
    );
    expect((await verifier.verify(fromArray)).scopes).toEqual(new Set(["events:write"]));
    expect((await verifier.verify(none)).scopes).toEqual(new Set());
  });

  it("refuses a scopes claim of the wrong type", async () => {
    const verifier = verifierFor();
    for (const scope of [7, { admin: true }, ["admin", 1]]) {
      const token = await signToken(es256, claims({ scope }));
      expect(await reasonOf(verifier, token)).toBe("malformed token");
    }
  });

  it("refuses garbage and never puts the token in the error", async () => {
    const verifier = verifierFor();
    for (const token of ["", "abc", "a.b.c", `${"x".repeat(20_000)}.y.z`]) {
      expect(await reasonOf(verifier, token)).toBe("malformed token");
    }
    const token = await signToken(es256, claims({ aud: "other" }));
    const error = await verifier.verify(token).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    const [, payload = "", signature = ""] = token.split(".");
    const shown = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack}`;
    expect(shown).not.toContain(payload);
    expect(shown).not.toContain(signature);
    expect((error as Error).message).toBe("unauthenticated");
    expect((error as Error).cause).toBeUndefined();
  });
});

describe("createTokenVerifier with an HMAC secret", () => {
  const config = testJwtConfig({ hmacSecret: secret, algorithms: ["HS256"] });
  const verifier = createTokenVerifier({
    config,
    revocations: memoryRevocations(),
    now: () => start,
  });

  it("accepts HS256 tokens signed with the secret", async () => {
    const token = await signHmacToken(secret, testClaims({}, start));
    expect((await verifier.verify(token)).subject).toBe("jwt:https://issuer.test#user-1");
  });

  it("refuses HS256 tokens signed with another secret", async () => {
    const token = await signHmacToken(`${secret}-other`, testClaims({}, start));
    expect(await reasonOf(verifier, token)).toBe("bad signature");
  });

  it("refuses asymmetric tokens, which the allowlist leaves out", async () => {
    const key = await createTestKey("ES256");
    expect(await reasonOf(verifier, await signToken(key, testClaims({}, start)))).toBe(
      "algorithm not allowed",
    );
  });
});

describe("createTokenVerifier key set checks", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ragplane-jwks-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const create = (config: JwtConfig) =>
    createTokenVerifier({ config, revocations: memoryRevocations() });

  it("fails at creation on a JWKS file holding a private key", async () => {
    const key = await createTestKey("EdDSA");
    const { exportJWK } = await import("jose");
    const file = join(dir, "private.json");
    writeFileSync(file, JSON.stringify({ keys: [await exportJWK(key.privateKey)] }));
    expect(() => create(testJwtConfig({ jwksFile: file }))).toThrow(KeySetError);
  });

  it("fails at creation on a missing or non-JWKS file", () => {
    const file = join(dir, "not-jwks.json");
    writeFileSync(file, JSON.stringify({ hello: "world" }));
    expect(() => create(testJwtConfig({ jwksFile: file }))).toThrow(KeySetError);
    expect(() => create(testJwtConfig({ jwksFile: join(dir, "missing.json") }))).toThrow(
      KeySetError,
    );
  });

  it("fails at creation with both a JWKS URL and a JWKS file, or with no key source", () => {
    const both = testJwtConfig({ jwksUrl: "http://127.0.0.1:1/jwks", jwksFile: "/x" });
    expect(() => create(both)).toThrow(KeySetError);
    expect(() => create(testJwtConfig({ useLocalKey: true }))).toThrow(KeySetError);
    expect(() => create(testJwtConfig())).toThrow(KeySetError);
  });
});
