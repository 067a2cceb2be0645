import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, type ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { AdminService } from "../../gen/ragplane/v1/admin_pb.js";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import type { TestCredentials } from "../support/credentials.js";
import { rejection } from "../support/errors.js";
import {
  createTestKey,
  jwksOf,
  signHmacToken,
  signToken,
  type TestKey,
  testAudience,
  testClaims,
  testIssuer,
  unsecuredToken,
} from "../support/jwt.js";
import { startTestServer, type TestServer, transportNames } from "../support/server.js";

let server: TestServer;
let limited: TestServer;
let trusted: TestKey;
let forger: TestKey;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ragplane-auth-"));
  trusted = await createTestKey("ES256");
  forger = await createTestKey("ES256", trusted.kid);
  const jwksFile = join(dir, "jwks.json");
  await writeFile(jwksFile, JSON.stringify(jwksOf(trusted)));
  const jwt = { JWT_JWKS_FILE: jwksFile, JWT_ISSUER: testIssuer, JWT_AUDIENCE: testAudience };
  server = await startTestServer(jwt);
  limited = await startTestServer({
    ...jwt,
    RATE_LIMIT_READ_PER_PRINCIPAL: "3",
    RATE_LIMIT_WINDOW_MS: "1000",
  });
});

afterAll(async () => {
  await Promise.all([server?.close(), limited?.close()]);
  await rm(dir, { recursive: true, force: true });
});

const now = () => Math.floor(Date.now() / 1000);
const token = (claims: Record<string, unknown> = {}) => signToken(trusted, testClaims(claims));

/** Every refusal must be deliberate and tell nothing it should not. */
function expectRefusal(error: ConnectError, code: Code, secret?: string): void {
  expect(error.code).toBe(code);
  expect(error.code).not.toBe(Code.Internal);
  if (secret !== undefined) expect(error.message).not.toContain(secret);
}

describe.each(transportNames)("authentication over %s", (transportName) => {
  const vectors = (credentials: TestCredentials) =>
    createClient(VectorsService, server.transport(transportName, credentials));
  const admin = () => createClient(AdminService, server.transport(transportName));
  const list = (credentials: TestCredentials) => vectors(credentials).listCollections({});

  it("accepts a valid token and a valid API key", async () => {
    await expect(list({ token: await token() })).resolves.toBeDefined();
    const key = await server.createKey("acme", ["vectors:read"]);
    await expect(list({ apiKey: key })).resolves.toBeDefined();
    await expect(list({ headers: { "x-api-key": key } })).resolves.toBeDefined();
  });

  it("refuses a call without credentials or with a non-bearer scheme", async () => {
    expectRefusal(await rejection(list("anonymous")), Code.Unauthenticated);
    const basic = await rejection(list({ headers: { authorization: "Basic dXNlcjpwYXNz" } }));
    expectRefusal(basic, Code.Unauthenticated, "dXNlcjpwYXNz");
  });

  it.each([
    ["expired", { exp: now() - 120, iat: now() - 720 }, "token expired"],
    ["not yet valid", { nbf: now() + 600 }, "not yet valid"],
    ["for another audience", { aud: "someone-else" }, "audience"],
    ["from another issuer", { iss: "https://evil.test" }, "issuer"],
  ])("refuses a token %s", async (_name, claims, reason) => {
    const bad = await token(claims);
    const error = await rejection(list({ token: bad }));
    expectRefusal(error, Code.Unauthenticated, bad);
    expect(error.message).toContain(reason);
  });

  it("refuses a forged signature, alg none and a symmetric token", async () => {
    for (const bad of [
      await signToken(forger, testClaims()),
      unsecuredToken(testClaims()),
      await signHmacToken("a-secret-the-server-never-configured-0123", testClaims()),
    ]) {
      expectRefusal(await rejection(list({ token: bad })), Code.Unauthenticated, bad);
    }
  });

  it("refuses a revoked token, even one verified before", async () => {
    const jti = `revoke-me-${transportName}`;
    const revocable = await token({ jti });
    await list({ token: revocable });
    await admin().revokeToken({ jti, tenant: "acme" });
    const error = await rejection(list({ token: revocable }));
    expectRefusal(error, Code.Unauthenticated, revocable);
    expect(error.message).toContain("revoked");
  });

  it("refuses a revoked API key at once", async () => {
    const created = await admin().createApiKey({
      tenant: "acme",
      name: "to revoke",
      scopes: ["vectors:read"],
    });
    await list({ apiKey: created.key });
    await admin().revokeApiKey({ id: created.apiKey?.id ?? "" });
    const error = await rejection(list({ apiKey: created.key }));
    expectRefusal(error, Code.Unauthenticated, created.key);
    expect(error.message).toContain("revoked");
  });

  it("denies an RPC whose scope the principal lacks, naming the scope", async () => {
    const eventsOnly = await token({ scope: "events:read" });
    const error = await rejection(list({ token: eventsOnly }));
    expectRefusal(error, Code.PermissionDenied, eventsOnly);
    expect(error.message).toContain("vectors:read");
    const key = await server.createKey("acme", ["vectors:read"]);
    const write = await rejection(
      vectors({ apiKey: key }).createCollection({ name: "nope", dimension: 3 }),
    );
    expectRefusal(write, Code.PermissionDenied, key);
    const adminCall = await rejection(
      createClient(AdminService, server.transport(transportName, { apiKey: key })).listApiKeys({}),
    );
    expectRefusal(adminCall, Code.PermissionDenied, key);
  });

  it("limits a principal's reads, answers RetryInfo and retry-after, and recovers", async () => {
    const key = await limited.createKey("acme", ["vectors:read"]);
    const client = createClient(VectorsService, limited.transport(transportName, { apiKey: key }));
    let refusal: ConnectError | undefined;
    for (let call = 0; call < 10 && refusal === undefined; call++) {
      refusal = await client.listCollections({}).then(
        () => undefined,
        (error: ConnectError) => error,
      );
    }
    expect(refusal?.code).toBe(Code.ResourceExhausted);
    const delay = refusal?.findDetails(RetryInfoSchema)[0]?.retryDelay;
    const delayMs = Number(delay?.seconds ?? 0n) * 1000 + (delay?.nanos ?? 0) / 1e6;
    expect(delayMs).toBeGreaterThan(0);
    expect(delayMs).toBeLessThanOrEqual(1000);
    expect(Number(refusal?.metadata.get("retry-after"))).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, delayMs + 50));
    await expect(client.listCollections({})).resolves.toBeDefined();
  });

  it("records failures and denials in the audit trail without secrets", async () => {
    const expired = await token({ exp: now() - 120, iat: now() - 720 });
    await rejection(list({ token: expired }));
    const { events } = await admin().listAuditEvents({
      types: ["authentication.failed"],
      pageSize: 1000,
    });
    const mine = events.filter((event) => event.reason === "token expired");
    expect(mine.length).toBeGreaterThan(0);
    expect(mine[0]?.method).toBe("ragplane.v1.VectorsService/ListCollections");
    expect(
      JSON.stringify(events, (_k, v) => (typeof v === "bigint" ? String(v) : v)),
    ).not.toContain(expired);
  });
});
