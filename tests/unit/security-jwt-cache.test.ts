import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UnauthenticatedError } from "../../security/errors.js";
import { createTokenVerifier, type TokenVerifierOptions } from "../../security/jwt/verifier.js";
import { tokenRevocationKey } from "../../security/revocation/port.js";
import {
  createTestKey,
  type JwksServer,
  jwksOf,
  memoryRevocations,
  serveJwks,
  signToken,
  type TestKey,
  testClaims,
  testJwtConfig,
} from "../support/jwt.js";

/**
 * With `cacheMaxAgeMs: 0` jose fetches the JWKS for every signature it checks, so the
 * server's fetch count is the number of full verifications.
 */
describe("createTokenVerifier with a JWKS URL", () => {
  let first: TestKey;
  let second: TestKey;
  let jwks: JwksServer;
  let clock: number;

  beforeEach(async () => {
    first = await createTestKey("ES256");
    second = await createTestKey("EdDSA");
    jwks = await serveJwks(jwksOf(first));
    clock = Date.now();
  });
  afterEach(async () => {
    await jwks.stop();
  });

  const verifierWith = (options: Partial<TokenVerifierOptions> = {}) =>
    createTokenVerifier({
      config: testJwtConfig({ jwksUrl: jwks.url }),
      revocations: memoryRevocations(),
      now: () => clock,
      ...options,
    });
  const token = (key: TestKey, overrides = {}) => signToken(key, testClaims(overrides, clock));

  it("picks up a rotated key without a restart: a new kid costs exactly one refetch", async () => {
    const verifier = verifierWith({ remoteKeys: { cooldownMs: 0 } });
    expect((await verifier.verify(await token(first))).tenant).toBe("acme");
    expect(jwks.fetches).toBe(1);
    jwks.setKeys(jwksOf(second));
    expect((await verifier.verify(await token(second))).tenant).toBe("acme");
    expect(jwks.fetches).toBe(2);
    expect((await verifier.verify(await token(second, { sub: "other" }))).subject).toContain(
      "#other",
    );
    expect(jwks.fetches).toBe(2);
  });

  it("refuses an unknown kid during the cooldown without fetching again", async () => {
    const verifier = verifierWith();
    await verifier.verify(await token(first));
    jwks.setKeys(jwksOf(first, second));
    await expect(verifier.verify(await token(second))).rejects.toMatchObject({
      reason: "unknown key",
    });
    expect(jwks.fetches).toBe(1);
  });

  it("verifies a cached token without checking its signature again", async () => {
    const verifier = verifierWith({ remoteKeys: { cacheMaxAgeMs: 0 } });
    const cached = await token(first);
    for (let i = 0; i < 5; i += 1) await verifier.verify(cached);
    expect(jwks.fetches).toBe(1);

    const uncached = verifierWith({ remoteKeys: { cacheMaxAgeMs: 0 }, cacheSize: 0 });
    for (let i = 0; i < 5; i += 1) await uncached.verify(cached);
    expect(jwks.fetches).toBe(6);
  });

  it("returns the same principal from the cache", async () => {
    const verifier = verifierWith();
    const cached = await token(first);
    expect(await verifier.verify(cached)).toBe(await verifier.verify(cached));
  });

  it("refuses a revoked jti even when the token is cached", async () => {
    const revocations = memoryRevocations();
    const verifier = verifierWith({ revocations, remoteKeys: { cacheMaxAgeMs: 0 } });
    const cached = await token(first, { jti: "jti-7" });
    await verifier.verify(cached);
    await revocations.revoke(tokenRevocationKey("acme", "jti-7"), clock + 600_000);
    const error = await verifier.verify(cached).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect((error as UnauthenticatedError).reason).toBe("token revoked");
    expect(jwks.fetches).toBe(1);
  });

  it("refuses a revoked jti on first sight and does not cache the token", async () => {
    const revocations = memoryRevocations();
    const verifier = verifierWith({ revocations, remoteKeys: { cacheMaxAgeMs: 0 } });
    revocations.revoked.add(tokenRevocationKey("acme", "jti-8"));
    const revoked = await token(first, { jti: "jti-8" });
    await expect(verifier.verify(revoked)).rejects.toMatchObject({ reason: "token revoked" });
    revocations.revoked.delete(tokenRevocationKey("acme", "jti-8"));
    await verifier.verify(revoked);
    expect(jwks.fetches).toBe(2);
  });

  it("does not cache failures", async () => {
    const verifier = verifierWith({ remoteKeys: { cacheMaxAgeMs: 0 } });
    const wrong = await token(first, { aud: "other" });
    for (let i = 0; i < 3; i += 1) {
      await expect(verifier.verify(wrong)).rejects.toMatchObject({ reason: "wrong audience" });
    }
    expect(jwks.fetches).toBe(3);
  });

  it("keeps at most cacheSize tokens, evicting the oldest", async () => {
    const verifier = verifierWith({ cacheSize: 2, remoteKeys: { cacheMaxAgeMs: 0 } });
    const [a, b, c] = await Promise.all([token(first), token(first), token(first)]);
    for (const t of [a, b, c]) await verifier.verify(t as string);
    expect(jwks.fetches).toBe(3);
    await verifier.verify(c as string);
    await verifier.verify(b as string);
    expect(jwks.fetches).toBe(3);
    await verifier.verify(a as string);
    expect(jwks.fetches).toBe(4);
  });

  it("uses a cached token only until exp, then verifies it again with the skew", async () => {
    const verifier = verifierWith({ remoteKeys: { cacheMaxAgeMs: 0 } });
    const expSeconds = Math.floor(clock / 1000) + 60;
    const short = await token(first, { exp: expSeconds });
    await verifier.verify(short);
    await verifier.verify(short);
    expect(jwks.fetches).toBe(1);
    clock = expSeconds * 1000 + 10_000;
    expect((await verifier.verify(short)).tenant).toBe("acme");
    expect(jwks.fetches).toBe(2);
    clock = expSeconds * 1000 + 31_000;
    await expect(verifier.verify(short)).rejects.toMatchObject({ reason: "token expired" });
  });

  it("refuses tokens with 'key set unavailable' when the JWKS cannot be fetched", async () => {
    const signed = await token(first);
    await jwks.stop();
    const verifier = verifierWith({ remoteKeys: { timeoutMs: 1_000 } });
    const error = await verifier.verify(signed).catch((caught: unknown) => caught);
    expect((error as UnauthenticatedError).reason).toBe("key set unavailable");
    jwks = await serveJwks(jwksOf(first));
  });
});
