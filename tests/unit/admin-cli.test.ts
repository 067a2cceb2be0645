import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { decodeJwt } from "jose";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDuration } from "../../cli/duration.js";
import type { Output } from "../../cli/output.js";
import { runCli } from "../../cli/run.js";
import { NotFoundError } from "../../clients/errors.js";
import { EmbeddedEventLog } from "../../clients/events/embedded/log.js";
import { AdminService } from "../../gen/ragplane/v1/admin_pb.js";
import { invalidArgument } from "../../interceptors/validation.js";
import { generateApiKey, hashApiKey } from "../../security/api-keys/format.js";
import { LogApiKeyStore } from "../../security/api-keys/log-store.js";
import { createApiKeyVerifier } from "../../security/api-keys/verifier.js";
import type {
  AuditEvent,
  AuditLog,
  AuditPage,
  AuditQuery,
  StoredAuditEvent,
} from "../../security/audit/port.js";
import { PermissionDeniedError, UnauthenticatedError } from "../../security/errors.js";
import { loadOrCreateLocalSigningKey, localSigningKeyPath } from "../../security/jwt/local-key.js";
import { createAdminService } from "../../server/services/admin/service.js";
import { adminValidators } from "../../server/services/admin/validate.js";
import type { ServiceContext } from "../../server/services/context.js";

/** A trail in memory, enough for the CLI to read back what the service recorded. */
class MemoryAuditLog implements AuditLog {
  readonly events: StoredAuditEvent[] = [];
  record(event: AuditEvent): void {
    this.events.push({ ...event, position: String(this.events.length + 1) });
  }
  async query(query: AuditQuery): Promise<AuditPage> {
    const events = this.events
      .filter(
        (e) =>
          (query.tenant === undefined || e.tenant === query.tenant) &&
          (query.types === undefined || query.types.includes(e.type)) &&
          (query.since === undefined || e.time >= query.since),
      )
      .slice(0, query.limit);
    return { events };
  }
  async close(): Promise<void> {}
}

function toConnect(error: unknown): unknown {
  if (error instanceof UnauthenticatedError)
    return new ConnectError("unauthenticated", Code.Unauthenticated);
  if (error instanceof PermissionDeniedError)
    return new ConnectError(error.message, Code.PermissionDenied);
  if (error instanceof NotFoundError) return new ConnectError(error.message, Code.NotFound);
  return error;
}

let dataDir: string;
let events: EmbeddedEventLog;
let keys: LogApiKeyStore;
let server: Server;
let url: string;
let adminKey: string;
const audit = new MemoryAuditLog();

/** Serves the AdminService over Connect with API-key authentication and validation in front. */
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ragplane-cli-"));
  events = await EmbeddedEventLog.open({ dataDir, retentionSweepMs: 0 });
  keys = await LogApiKeyStore.open({ events, logger: pino({ level: "silent" }) });
  const bootstrap = generateApiKey();
  adminKey = bootstrap.key;
  await keys.create({
    id: bootstrap.id,
    tenant: "platform",
    name: "bootstrap",
    scopes: ["admin"],
    hash: hashApiKey(bootstrap.key),
    createdAt: Date.now(),
    createdBy: "bootstrap",
  });
  const verifier = createApiKeyVerifier({ store: keys });
  const revocations = {
    loaded: true,
    isRevoked: () => false,
    revoke: async () => {},
    close: async () => {},
  };
  const service = createAdminService({ keys, revocations, audit, adminTenant: "platform" });
  const impl = Object.fromEntries(
    Object.entries(service).map(([name, handler]) => [
      name,
      async (request: never, context: { requestHeader: Headers; signal: AbortSignal }) => {
        try {
          const bearer = context.requestHeader.get("authorization")?.replace(/^Bearer /, "") ?? "";
          const principal = await verifier.verify(bearer);
          const violations =
            (adminValidators as unknown as Record<string, (r: never) => never[]>)[name]?.(
              request,
            ) ?? [];
          if (violations.length > 0) throw invalidArgument(violations);
          const serviceContext: ServiceContext = {
            tenant: principal.tenant,
            signal: context.signal,
            principal,
            deadline: undefined,
            requestId: "test-request",
            peer: "127.0.0.1:1",
          };
          return await (handler as (r: never, c: ServiceContext) => Promise<unknown>)(
            request,
            serviceContext,
          );
        } catch (error) {
          throw toConnect(error);
        }
      },
    ]),
  ) as unknown as ServiceImpl<typeof AdminService>;
  server = createServer(
    connectNodeAdapter({ routes: (router) => router.service(AdminService, impl) }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await keys.close();
  await events.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs one command line against the test server and captures what it prints. */
async function cli(argv: string[], credentials: { apiKey?: string } = { apiKey: adminKey }) {
  const out: string[] = [];
  const err: string[] = [];
  const output: Output = { out: (text) => out.push(text), err: (text) => err.push(text) };
  const code = await runCli(argv, { url, dataDir, ...credentials }, output);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

describe("ragplane keys", () => {
  it("creates a key, printing it once with its table row", async () => {
    const result = await cli([
      "keys",
      "create",
      "--tenant",
      "acme",
      "--name",
      "ci",
      "--scopes",
      "vectors:read,vectors:write",
      "--expires-in",
      "30d",
    ]);
    expect(result.code).toBe(0);
    const key = /^key: (rp_\S+)$/m.exec(result.stdout)?.[1];
    expect(key).toMatch(/^rp_[0-9A-Za-z]{16}_[0-9A-Za-z]{32}$/);
    expect(result.stdout).toMatch(/^ID\s+TENANT\s+NAME\s+SCOPES\s+STATUS/m);
    expect(result.stdout).toContain("vectors:read,vectors:write");
    expect(result.stdout).toMatch(/acme\s+ci\s+vectors:read,vectors:write\s+active/);
    const principal = await createApiKeyVerifier({ store: keys }).verify(key ?? "");
    expect(principal.tenant).toBe("acme");
    expect(principal.expiresAt).toBeGreaterThan(Date.now() + 29 * 86_400_000);
  });

  it("prints JSON for scripts, lists and revokes", async () => {
    const created = await cli([
      "keys",
      "create",
      "--tenant",
      "globex",
      "--name",
      "etl",
      "--scopes",
      "events:write",
      "--json",
    ]);
    expect(created.code).toBe(0);
    const body = JSON.parse(created.stdout) as {
      key: string;
      apiKey: { id: string; tenant: string };
    };
    expect(body.apiKey.tenant).toBe("globex");
    expect(body.key.startsWith(`rp_${body.apiKey.id}_`)).toBe(true);

    const listed = await cli(["keys", "list", "--tenant", "globex", "--json"]);
    expect(JSON.parse(listed.stdout)).toEqual({
      apiKeys: [expect.objectContaining({ id: body.apiKey.id, name: "etl" })],
    });
    const table = await cli(["keys", "list"]);
    expect(table.stdout).toContain(body.apiKey.id);
    expect(table.stdout).not.toContain(body.key);

    const revoked = await cli(["keys", "revoke", body.apiKey.id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(
      new RegExp(`${body.apiKey.id}\\s+globex\\s+etl\\s+events:write\\s+revoked`),
    );
    expect(keys.get(body.apiKey.id)?.revokedAt).toBeDefined();
  });

  it("prints the code and message of a failed call and exits 1", async () => {
    const unknown = await cli(["keys", "revoke", "0123456789abcdef"]);
    expect(unknown).toMatchObject({ code: 1, stdout: "" });
    expect(unknown.stderr).toBe('error: not_found: api key "0123456789abcdef" not found');

    const invalid = await cli([
      "keys",
      "create",
      "--name",
      "x",
      "--scopes",
      "vectors:read,vectors:delete",
    ]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("error: invalid_argument:");
    expect(invalid.stderr).toContain('  scopes[1]: unknown scope "vectors:delete"');

    const anonymous = await cli(["keys", "list"], {});
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain("error: unauthenticated: unauthenticated");
    expect(anonymous.stderr).toContain("check RAGPLANE_API_KEY");
  });

  it("exits 2 with usage for a wrong command line", async () => {
    for (const argv of [
      ["keys"],
      ["keys", "rotate"],
      ["keys", "create", "--name", "x"],
      ["keys", "create", "--scopes", "admin", "--name", "x", "--expires-in", "soon"],
      ["keys", "list", "--bogus"],
      ["nope"],
      [],
    ]) {
      const result = await cli(argv);
      expect(result.code, argv.join(" ")).toBe(2);
      expect(result.stdout + result.stderr).toContain("usage:");
    }
  });
});

describe("ragplane audit", () => {
  it("prints events of a type since a time, as a table or JSON", async () => {
    await cli(["keys", "create", "--tenant", "initech", "--name", "a", "--scopes", "graphs:read"]);
    const table = await cli([
      "audit",
      "--since",
      "1h",
      "--type",
      "api_key.created",
      "--tenant",
      "initech",
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^TIME\s+TYPE\s+TENANT\s+PRINCIPAL/m);
    expect(table.stdout).toMatch(
      /api_key\.created\s+initech\s+key:\S+\s+ragplane\.v1\.AdminService\/CreateApiKey/,
    );
    const json = JSON.parse(
      (await cli(["audit", "--json", "--type", "api_key.revoked,api_key.created", "--limit", "2"]))
        .stdout,
    ) as { events: { type: string }[] };
    expect(json.events).toHaveLength(2);
  });
});

describe("ragplane token", () => {
  it("refuses, naming DATA_DIR, when no server ever made a signing key there", async () => {
    const result = await cli(["token", "--tenant", "acme", "--scopes", "vectors:read"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no local signing key in DATA_DIR ${dataDir}`);
    expect(existsSync(localSigningKeyPath(dataDir))).toBe(false);
  });

  it("mints a development JWT for the tenant and scopes with the default issuer and audience", async () => {
    await loadOrCreateLocalSigningKey(dataDir);
    const result = await cli([
      "token",
      "--tenant",
      "acme",
      "--scopes",
      "vectors:read,events:read",
      "--ttl",
      "2h",
      "--json",
    ]);
    expect(result.code).toBe(0);
    const { token, jti } = JSON.parse(result.stdout) as { token: string; jti: string };
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: "ragplane-local",
      aud: "ragplane",
      tenant: "acme",
      scope: "vectors:read events:read",
      jti,
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(7200);
  });
});

describe("parseDuration", () => {
  it("reads one positive integer and one unit", () => {
    expect(parseDuration("45s")).toBe(45_000);
    expect(parseDuration("15m")).toBe(900_000);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("30d")).toBe(30 * 86_400_000);
    expect(parseDuration("2w")).toBe(14 * 86_400_000);
    for (const bad of ["", "0h", "1", "h", "1.5h", "-1h", "1y", "1h30m"]) {
      expect(parseDuration(bad), bad).toBeUndefined();
    }
  });
});

describe("bin/ragplane.mjs", () => {
  it("runs the TypeScript CLI through tsx", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["bin/ragplane.mjs", "help"]);
    expect(stdout).toContain("ragplane keys create");
  });
});
