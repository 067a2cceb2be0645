import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalKeyError } from "../../security/jwt/errors.js";
import {
  loadOrCreateLocalSigningKey,
  localSigningKeyPath,
  mintLocalToken,
} from "../../security/jwt/local-key.js";
import { createTokenVerifier } from "../../security/jwt/verifier.js";
import { memoryRevocations, testJwtConfig } from "../support/jwt.js";

describe("local signing key", () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), "ragplane-local-key-"));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it("is created once, mode 0600 in a 0700 directory, then reused", async () => {
    const first = await loadOrCreateLocalSigningKey(dataDir);
    const path = localSigningKeyPath(dataDir);
    expect(path).toBe(join(dataDir, "auth", "local-signing-key.json"));
    expect(first.created).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, "auth")).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(readFileSync(path, "utf8"));
    expect(stored).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });

    const second = await loadOrCreateLocalSigningKey(dataDir);
    expect(second.created).toBe(false);
    expect(second.privateJwk).toEqual(first.privateJwk);
    expect(second.publicJwks).toEqual(first.publicJwks);
  });

  it("names the key by its RFC 7638 thumbprint and publishes only the public half", async () => {
    const { privateJwk, publicJwks } = await loadOrCreateLocalSigningKey(dataDir);
    const [publicJwk] = publicJwks.keys;
    expect(publicJwks.keys).toHaveLength(1);
    expect(publicJwk?.d).toBeUndefined();
    expect(privateJwk.d).toEqual(expect.any(String));
    expect(privateJwk.kid).toBe(
      await calculateJwkThumbprint({ kty: "OKP", crv: "Ed25519", x: privateJwk.x ?? "" }),
    );
    expect(publicJwk?.kid).toBe(privateJwk.kid);
  });

  it("agrees on one key when two starts race to create it", async () => {
    const results = await Promise.all([
      loadOrCreateLocalSigningKey(dataDir),
      loadOrCreateLocalSigningKey(dataDir),
      loadOrCreateLocalSigningKey(dataDir),
    ]);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.privateJwk.kid)).size).toBe(1);
  });

  it("refuses a key file other users can read", async () => {
    await loadOrCreateLocalSigningKey(dataDir);
    chmodSync(localSigningKeyPath(dataDir), 0o644);
    await expect(loadOrCreateLocalSigningKey(dataDir)).rejects.toBeInstanceOf(LocalKeyError);
  });

  it("mints an EdDSA token that the verifier accepts with the local public JWKS", async () => {
    const token = await mintLocalToken({
      dataDir,
      issuer: "ragplane-local",
      audience: "ragplane",
      tenant: "acme",
      scopes: ["vectors:write", "admin"],
      subject: "dev",
      ttlSeconds: 300,
      jti: "dev-token-1",
    });
    const { privateJwk, publicJwks } = await loadOrCreateLocalSigningKey(dataDir);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "EdDSA", kid: privateJwk.kid });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      jti: "dev-token-1",
      tenant: "acme",
      scope: "vectors:write admin",
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(300);

    const verifier = createTokenVerifier({
      config: testJwtConfig({ useLocalKey: true, issuer: "ragplane-local", algorithms: ["EdDSA"] }),
      localJwks: publicJwks,
      revocations: memoryRevocations(),
    });
    const principal = await verifier.verify(token);
    expect(principal).toMatchObject({
      subject: "jwt:ragplane-local#dev",
      tenant: "acme",
      method: "jwt",
      expiresAt: (claims.exp ?? 0) * 1000,
    });
    expect(principal.scopes).toEqual(new Set(["vectors:write", "admin"]));
  });

  it("gives every minted token its own jti by default, and rejects a bad lifetime", async () => {
    const options = {
      dataDir,
      issuer: "ragplane-local",
      audience: "ragplane",
      tenant: "acme",
      scopes: [],
      subject: "dev",
      ttlSeconds: 60,
    };
    const [a, b] = await Promise.all([mintLocalToken(options), mintLocalToken(options)]);
    expect(decodeJwt(a).jti).not.toBe(decodeJwt(b).jti);
    await expect(mintLocalToken({ ...options, ttlSeconds: 0 })).rejects.toBeInstanceOf(RangeError);
  });
});
