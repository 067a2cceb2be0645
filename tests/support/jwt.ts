import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CancelledError } from "../../clients/errors.js";
import type { RevocationList } from "../../security/revocation/port.js";
import type { JwtConfig } from "../../server/config-security.js";

/** The issuer test tokens carry by default. */
export const testIssuer = "https://issuer.test";
/** The audience test tokens carry by default. */
export const testAudience = "ragplane";

/** Asymmetric algorithms the helpers make keys for. */
export type TestAlgorithm = "ES256" | "ES384" | "EdDSA" | "RS256";

/** A key pair for signing test tokens. */
export interface TestKey {
  readonly alg: TestAlgorithm;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  /** The public key as a JWK with `kid`, `alg` and `use: sig`. */
  readonly publicJwk: JWK;
}

/** Makes a fresh key pair (`kid` random unless given). */
export async function createTestKey(alg: TestAlgorithm = "ES256", kid?: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const id = kid ?? `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`;
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: id, alg, use: "sig" };
  return { alg, kid: id, privateKey, publicJwk };
}

/** The JWKS publishing the public halves of `keys`. */
export function jwksOf(...keys: TestKey[]): JSONWebKeySet {
  return { keys: keys.map((key) => key.publicJwk) };
}

/**
 * The claims of a valid token at `nowMs`: issuer, audience, `sub` `user-1`, tenant
 * `acme`, scope `vectors:read events:read`, a random `jti`, `iat` now and `exp` in 10
 * minutes. `overrides` win; an `undefined` override removes the claim.
 */
export function testClaims(overrides: JWTPayload = {}, nowMs = Date.now()): JWTPayload {
  const now = Math.floor(nowMs / 1000);
  return {
    iss: testIssuer,
    aud: testAudience,
    sub: "user-1",
    tenant: "acme",
    scope: "vectors:read events:read",
    jti: randomUUID(),
    iat: now,
    exp: now + 600,
    ...overrides,
  };
}

/**
 * Signs `claims` with `key`. The header is `{alg: key.alg, kid: key.kid, typ: JWT}`
 * merged with `header`, so a test can lie about `alg` or `kid`.
 */
export async function signToken(
  key: TestKey,
  claims: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  return await new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...header })
    .sign(key.privateKey);
}

/** Signs `claims` with an HMAC secret (`HS256` unless told). */
export async function signHmacToken(
  secret: string,
  claims: JWTPayload,
  alg: "HS256" | "HS384" | "HS512" = "HS256",
): Promise<string> {
  return await new SignJWT(claims)
    .setProtectedHeader({ alg, typ: "JWT" })
    .sign(new TextEncoder().encode(secret));
}

/** An unsecured token (`alg: none`, empty signature), as an attacker would craft it. */
export function unsecuredToken(claims: JWTPayload, header: Record<string, unknown> = {}): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ alg: "none", typ: "JWT", ...header })}.${encode(claims)}.`;
}

/** A {@link JwtConfig} for tests: JWKS file/URL unset, ES256 and EdDSA allowed, 30 s skew. */
export function testJwtConfig(overrides: Partial<JwtConfig> = {}): JwtConfig {
  return {
    useLocalKey: false,
    issuer: testIssuer,
    audience: testAudience,
    algorithms: ["ES256", "EdDSA"],
    tenantClaim: "tenant",
    scopesClaim: "scope",
    clockSkewS: 30,
    maxLifetimeS: 86_400,
    ...overrides,
  };
}

/** A JWKS endpoint on 127.0.0.1 whose keys can be swapped and whose fetches are counted. */
export interface JwksServer {
  /** `http://127.0.0.1:<port>/.well-known/jwks.json`. */
  readonly url: string;
  /** How many times the JWKS was fetched. */
  readonly fetches: number;
  /** Publishes another key set (a rotation). */
  setKeys(jwks: JSONWebKeySet): void;
  stop(): Promise<void>;
}

/** Serves `jwks` over HTTP on an ephemeral loopback port. */
export async function serveJwks(jwks: JSONWebKeySet): Promise<JwksServer> {
  let current = jwks;
  let fetches = 0;
  const server = createServer((request, response) => {
    if (request.url !== "/.well-known/jwks.json") {
      response.writeHead(404).end();
      return;
    }
    fetches += 1;
    response.writeHead(200, { "content-type": "application/jwk-set+json" });
    response.end(JSON.stringify(current));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    setKeys(next) {
      current = next;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A revocation list in memory, for tests that do not exercise storage. */
export function memoryRevocations(
  loaded = true,
): RevocationList & { readonly revoked: Set<string> } {
  const revoked = new Set<string>();
  return {
    loaded,
    revoked,
    isRevoked: (jti) => revoked.has(jti),
    async revoke(jti) {
      revoked.add(jti);
    },
    async close() {},
  };
}

/** An opened revocation list and how to dispose of what the test made. */
export interface RevocationFixture {
  readonly list: RevocationList;
  cleanup(): Promise<void>;
}

/**
 * The behaviour every {@link RevocationList} adapter shares. `open` makes a fresh, empty
 * list for each test.
 */
export function describeRevocationListContract(
  name: string,
  open: () => Promise<RevocationFixture>,
): void {
  describe(`RevocationList contract: ${name}`, () => {
    let fixture: RevocationFixture;
    beforeEach(async () => {
      fixture = await open();
    });
    afterEach(async () => {
      await fixture.list.close();
      await fixture.cleanup();
    });

    it("reports nothing as revoked until something is", () => {
      expect(fixture.list.isRevoked("jti-1")).toBe(false);
    });

    it("reports a revoked jti at once, and only that one", async () => {
      await fixture.list.revoke("jti-1", Date.now() + 60_000);
      expect(fixture.list.isRevoked("jti-1")).toBe(true);
      expect(fixture.list.isRevoked("jti-2")).toBe(false);
    });

    it("accepts the same revocation twice", async () => {
      await fixture.list.revoke("jti-1", Date.now() + 60_000);
      await fixture.list.revoke("jti-1", Date.now() + 60_000);
      expect(fixture.list.isRevoked("jti-1")).toBe(true);
    });

    it("rejects an empty jti or a non-finite expiry with RangeError", async () => {
      await expect(fixture.list.revoke("", Date.now())).rejects.toBeInstanceOf(RangeError);
      await expect(fixture.list.revoke("jti-1", Number.NaN)).rejects.toBeInstanceOf(RangeError);
      expect(fixture.list.isRevoked("jti-1")).toBe(false);
    });

    it("revokes nothing when the signal is already aborted", async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(
        fixture.list.revoke("jti-1", Date.now() + 60_000, controller.signal),
      ).rejects.toBeInstanceOf(CancelledError);
      expect(fixture.list.isRevoked("jti-1")).toBe(false);
    });
  });
}
