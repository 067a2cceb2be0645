import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toJson } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NotFoundError } from "../../clients/errors.js";
import { EmbeddedEventLog } from "../../clients/events/embedded/log.js";
import {
  CreateApiKeyRequestSchema,
  ListApiKeysRequestSchema,
  ListApiKeysResponseSchema,
  ListAuditEventsRequestSchema,
  ListAuditEventsResponseSchema,
  RevokeApiKeyRequestSchema,
  RevokeTokenRequestSchema,
} from "../../gen/ragplane/v1/admin_pb.js";
import { hashApiKey, parseApiKey } from "../../security/api-keys/format.js";
import { apiKeysTopic, LogApiKeyStore, systemTenant } from "../../security/api-keys/log-store.js";
import { createApiKeyVerifier } from "../../security/api-keys/verifier.js";
import type {
  AuditEvent,
  AuditLog,
  AuditPage,
  AuditQuery,
  StoredAuditEvent,
} from "../../security/audit/port.js";
import { PermissionDeniedError, UnauthenticatedError } from "../../security/errors.js";
import type { Principal } from "../../security/principal.js";
import type { RevocationList } from "../../security/revocation/port.js";
import type { Scope } from "../../security/scopes.js";
import { createAdminService } from "../../server/services/admin/service.js";
import type { ServiceContext } from "../../server/services/context.js";

const now = 1_800_000_000_000;
const adminTenant = "platform";

/** An in-memory audit trail that keeps what the service records, and answers queries over it. */
class MemoryAuditLog implements AuditLog {
  readonly events: StoredAuditEvent[] = [];
  readonly queries: AuditQuery[] = [];

  record(event: AuditEvent): void {
    this.events.push({ ...event, position: String(this.events.length + 1) });
  }

  async query(query: AuditQuery): Promise<AuditPage> {
    this.queries.push(query);
    const after = Number(query.after ?? "0");
    const matching = this.events.filter(
      (e) =>
        Number(e.position) > after &&
        (query.tenant === undefined || e.tenant === query.tenant) &&
        (query.types === undefined || query.types.includes(e.type)) &&
        (query.since === undefined || e.time >= query.since) &&
        (query.until === undefined || e.time < query.until),
    );
    const events = matching.slice(0, query.limit);
    const last = events.at(-1);
    return matching.length > query.limit && last ? { events, next: last.position } : { events };
  }

  async close(): Promise<void> {}
}

/** An in-memory denylist that remembers every revocation. */
class MemoryRevocationList implements RevocationList {
  readonly loaded = true;
  readonly revoked = new Map<string, number>();
  isRevoked(jti: string): boolean {
    return this.revoked.has(jti);
  }
  async revoke(jti: string, expiresAt: number): Promise<void> {
    this.revoked.set(jti, expiresAt);
  }
  async close(): Promise<void> {}
}

function principal(tenant: string, subject = `key:admin-of-${tenant}`): Principal {
  return { subject, tenant, scopes: new Set<Scope>(["admin"]), method: "api-key" };
}

function contextOf(caller: Principal | undefined): ServiceContext {
  return {
    tenant: caller?.tenant ?? "default",
    signal: new AbortController().signal,
    principal: caller,
    deadline: undefined,
    requestId: "test-request",
    peer: "127.0.0.1:1",
  };
}

const acmeAdmin = contextOf(principal("acme"));
const globexAdmin = contextOf(principal("globex"));
const platformAdmin = contextOf(principal(adminTenant, "jwt:ops#alice"));

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure, got a result");
}

describe("AdminService", () => {
  let dataDir: string;
  let events: EmbeddedEventLog;
  let keys: LogApiKeyStore;
  let audit: MemoryAuditLog;
  let revocations: MemoryRevocationList;
  let service: ReturnType<typeof createAdminService>;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "ragplane-admin-"));
    events = await EmbeddedEventLog.open({ dataDir, retentionSweepMs: 0 });
    keys = await LogApiKeyStore.open({ events, logger: pino({ level: "silent" }) });
    audit = new MemoryAuditLog();
    revocations = new MemoryRevocationList();
    service = createAdminService({ keys, revocations, audit, adminTenant, now: () => now });
  });
  afterEach(async () => {
    await keys.close();
    await events.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const createKey = (
    context: ServiceContext,
    init: Partial<{ tenant: string; name: string; scopes: string[] }> = {},
  ) =>
    service.createApiKey(
      create(CreateApiKeyRequestSchema, { name: "ci", scopes: ["vectors:read"], ...init }),
      context,
    );

  /** Every byte the key log holds, as text. */
  async function storedLogText(): Promise<string> {
    const [end = 0n] = await events.endOffsets(systemTenant, apiKeysTopic);
    const controller = new AbortController();
    const texts: string[] = [];
    for await (const event of events.read(
      systemTenant,
      apiKeysTopic,
      { start: { kind: "beginning" } },
      controller.signal,
    )) {
      texts.push(new TextDecoder().decode(event.payload), JSON.stringify(event.headers), event.id);
      if (event.offset === end - 1n) break;
    }
    return texts.join("\n");
  }

  describe("createApiKey", () => {
    it("returns the key once and stores only its hash, in the caller's tenant", async () => {
      const response = await service.createApiKey(
        create(CreateApiKeyRequestSchema, {
          name: "ci",
          scopes: ["vectors:read", "vectors:write"],
          expireTime: timestampFromMs(now + 86_400_000),
        }),
        acmeAdmin,
      );
      const id = parseApiKey(response.key ?? "");
      expect(id).toBeDefined();
      expect(response.apiKey).toMatchObject({
        id,
        tenant: "acme",
        name: "ci",
        scopes: ["vectors:read", "vectors:write"],
        createdBy: "key:admin-of-acme",
      });
      expect(response.apiKey?.createTime).toEqual(timestampFromMs(now));
      const stored = keys.get(id ?? "");
      expect(stored).toEqual({
        id,
        tenant: "acme",
        name: "ci",
        scopes: ["vectors:read", "vectors:write"],
        hash: hashApiKey(response.key ?? ""),
        createdAt: now,
        createdBy: "key:admin-of-acme",
        expiresAt: now + 86_400_000,
      });
      const secret = (response.key ?? "").slice(20);
      expect(await storedLogText()).not.toContain(secret);
      expect(JSON.stringify(audit.events)).not.toContain(secret);
      const listed = await service.listApiKeys(create(ListApiKeysRequestSchema), acmeAdmin);
      const listedJson = JSON.stringify(
        toJson(ListApiKeysResponseSchema, create(ListApiKeysResponseSchema, listed)),
      );
      expect(listedJson).toContain(id);
      expect(listedJson).not.toContain(secret);
      expect(listedJson).not.toContain(stored?.hash);
    });

    it("records api_key.created with the key id and scopes, never the key", async () => {
      const response = await createKey(acmeAdmin, { scopes: ["graphs:read", "admin"] });
      expect(audit.events).toEqual([
        {
          position: "1",
          time: now,
          type: "api_key.created",
          tenant: "acme",
          principal: "key:admin-of-acme",
          method: "ragplane.v1.AdminService/CreateApiKey",
          peer: "127.0.0.1:1",
          requestId: "test-request",
          reason: "",
          details: { keyId: response.apiKey?.id, scopes: "graphs:read,admin" },
        },
      ]);
    });

    it("makes a key the verifier accepts as a principal of its tenant", async () => {
      const { key } = await createKey(acmeAdmin, { scopes: ["vectors:write"] });
      const verified = await createApiKeyVerifier({ store: keys, now: () => now }).verify(
        key ?? "",
      );
      expect(verified).toMatchObject({ tenant: "acme", scopes: new Set(["vectors:write"]) });
    });

    it("lets a platform admin create a key for any tenant", async () => {
      const response = await createKey(platformAdmin, { tenant: "acme" });
      expect(response.apiKey?.tenant).toBe("acme");
      expect(audit.events[0]).toMatchObject({ tenant: "acme", principal: "jwt:ops#alice" });
    });

    it("denies a tenant admin another tenant, storing and recording nothing", async () => {
      const error = await failureOf(createKey(acmeAdmin, { tenant: "globex" }));
      expect(error).toBeInstanceOf(PermissionDeniedError);
      expect(keys.isEmpty()).toBe(true);
      expect(audit.events).toEqual([]);
    });

    it("accepts naming the caller's own tenant", async () => {
      expect((await createKey(acmeAdmin, { tenant: "acme" })).apiKey?.tenant).toBe("acme");
    });

    it("refuses a call without a principal as unauthenticated", async () => {
      expect(await failureOf(createKey(contextOf(undefined)))).toBeInstanceOf(UnauthenticatedError);
    });
  });

  describe("listApiKeys", () => {
    beforeEach(async () => {
      await createKey(acmeAdmin, { name: "a1" });
      await createKey(globexAdmin, { name: "g1" });
      await createKey(acmeAdmin, { name: "a2" });
      await createKey(acmeAdmin, { name: "a3" });
    });
    const names = (response: { apiKeys: { name: string }[] }) =>
      response.apiKeys.map((k) => k.name);
    const list = async (context: ServiceContext, init: Record<string, unknown> = {}) =>
      create(
        ListApiKeysResponseSchema,
        await service.listApiKeys(create(ListApiKeysRequestSchema, init), context),
      );

    it("shows a tenant admin only their tenant's keys, oldest first", async () => {
      const response = await list(acmeAdmin);
      expect(names(response)).toEqual(["a1", "a2", "a3"]);
      expect(response.nextPageToken).toBe("");
    });

    it("shows a platform admin every tenant, or the one named", async () => {
      expect(names(await list(platformAdmin))).toEqual(["a1", "g1", "a2", "a3"]);
      expect(names(await list(platformAdmin, { tenant: "globex" }))).toEqual(["g1"]);
    });

    it("denies a tenant admin another tenant's list", async () => {
      expect(await failureOf(list(acmeAdmin, { tenant: "globex" }))).toBeInstanceOf(
        PermissionDeniedError,
      );
    });

    it("pages with the requested size and its next_page_token", async () => {
      const first = await list(acmeAdmin, { pageSize: 2 });
      expect(names(first)).toEqual(["a1", "a2"]);
      const second = await list(acmeAdmin, { pageSize: 2, pageToken: first.nextPageToken });
      expect(names(second)).toEqual(["a3"]);
      expect(second.nextPageToken).toBe("");
    });

    it("uses 100 keys per page when page_size is 0", async () => {
      for (let i = 0; i < 100; i++) await createKey(acmeAdmin, { name: `bulk${i}` });
      const first = await list(acmeAdmin);
      expect(first.apiKeys).toHaveLength(100);
      const rest = await list(acmeAdmin, { pageToken: first.nextPageToken });
      expect(rest.apiKeys).toHaveLength(3);
    });
  });

  describe("revokeApiKey", () => {
    const revoke = (context: ServiceContext, id: string) =>
      service.revokeApiKey(create(RevokeApiKeyRequestSchema, { id }), context);

    it("revokes the caller's key, records api_key.revoked once, and the verifier refuses it", async () => {
      const { apiKey, key } = await createKey(acmeAdmin);
      const id = apiKey?.id ?? "";
      const response = await revoke(acmeAdmin, id);
      expect(response.apiKey?.revokeTime).toEqual(timestampFromMs(now));
      expect(keys.get(id)?.revokedAt).toBe(now);
      expect((await revoke(acmeAdmin, id)).apiKey?.revokeTime).toEqual(timestampFromMs(now));
      const revokedEvents = audit.events.filter((e) => e.type === "api_key.revoked");
      expect(revokedEvents).toEqual([
        expect.objectContaining({
          tenant: "acme",
          principal: "key:admin-of-acme",
          method: "ragplane.v1.AdminService/RevokeApiKey",
          details: { keyId: id },
        }),
      ]);
      const verifier = createApiKeyVerifier({ store: keys, now: () => now });
      await expect(verifier.verify(key ?? "")).rejects.toMatchObject({ reason: "api key revoked" });
    });

    it("answers a tenant admin reaching for another tenant's key with NotFound, changing nothing", async () => {
      const { apiKey } = await createKey(globexAdmin);
      const id = apiKey?.id ?? "";
      const error = await failureOf(revoke(acmeAdmin, id));
      expect(error).toBeInstanceOf(NotFoundError);
      const unknown = await failureOf(revoke(acmeAdmin, "0123456789abcdef"));
      expect(unknown).toBeInstanceOf(NotFoundError);
      expect((error as Error).message).toBe(
        (unknown as Error).message.replace("0123456789abcdef", id),
      );
      expect(keys.get(id)?.revokedAt).toBeUndefined();
      expect(audit.events.filter((e) => e.type === "api_key.revoked")).toEqual([]);
    });

    it("lets a platform admin revoke any tenant's key", async () => {
      const { apiKey } = await createKey(globexAdmin);
      await revoke(platformAdmin, apiKey?.id ?? "");
      expect(keys.get(apiKey?.id ?? "")?.revokedAt).toBe(now);
      expect(audit.events.at(-1)).toMatchObject({ type: "api_key.revoked", tenant: "globex" });
    });
  });

  describe("revokeToken", () => {
    const revokeToken = (init: Record<string, unknown>, options = {}) =>
      createAdminService({
        keys,
        revocations,
        audit,
        adminTenant,
        now: () => now,
        ...options,
      }).revokeToken(create(RevokeTokenRequestSchema, init), acmeAdmin);

    it("denies the jti until the token's own expiry, and records token.revoked", async () => {
      await revokeToken({ jti: "j-1", expireTime: timestampFromMs(now + 5000) });
      expect(revocations.revoked.get("acme\nj-1")).toBe(now + 5000);
      expect(audit.events).toEqual([
        expect.objectContaining({
          type: "token.revoked",
          tenant: "acme",
          principal: "key:admin-of-acme",
          method: "ragplane.v1.AdminService/RevokeToken",
          details: { jti: "j-1", expiresAt: new Date(now + 5000).toISOString() },
        }),
      ]);
    });

    it("revokes within the caller's tenant only, unless the caller is a platform admin", async () => {
      const service = createAdminService({ keys, revocations, audit, adminTenant, now: () => now });
      const denied = service.revokeToken(
        create(RevokeTokenRequestSchema, { jti: "j-4", tenant: "globex" }),
        acmeAdmin,
      );
      await expect(denied).rejects.toBeInstanceOf(PermissionDeniedError);
      await service.revokeToken(
        create(RevokeTokenRequestSchema, { jti: "j-4", tenant: "globex" }),
        platformAdmin,
      );
      expect(revocations.revoked.get("globex\nj-4")).toBe(now + 24 * 3_600_000);
      expect(revocations.revoked.has("acme\nj-4")).toBe(false);
    });

    it("never keeps an entry beyond the longest token lifetime", async () => {
      await revokeToken({ jti: "j-5", expireTime: timestampFromMs(now + 48 * 3_600_000) });
      expect(revocations.revoked.get("acme\nj-5")).toBe(now + 24 * 3_600_000);
    });

    it("denies a jti without expiry for the longest token lifetime: 24 h by default", async () => {
      await revokeToken({ jti: "j-2" });
      expect(revocations.revoked.get("acme\nj-2")).toBe(now + 24 * 3_600_000);
      await revokeToken({ jti: "j-3" }, { maxTokenLifetimeMs: 60_000 });
      expect(revocations.revoked.get("acme\nj-3")).toBe(now + 60_000);
    });
  });

  describe("listAuditEvents", () => {
    const listAudit = async (context: ServiceContext, init: Record<string, unknown> = {}) =>
      create(
        ListAuditEventsResponseSchema,
        await service.listAuditEvents(create(ListAuditEventsRequestSchema, init), context),
      );

    beforeEach(async () => {
      await createKey(acmeAdmin);
      await createKey(globexAdmin);
      await service.revokeToken(create(RevokeTokenRequestSchema, { jti: "j" }), acmeAdmin);
    });

    it("shows a tenant admin their tenant's events only", async () => {
      const response = await listAudit(acmeAdmin);
      expect(response.events.map((e) => [e.type, e.tenant])).toEqual([
        ["api_key.created", "acme"],
        ["token.revoked", "acme"],
      ]);
      expect(response.events[0]).toMatchObject({
        position: "1",
        time: timestampFromMs(now),
        principal: "key:admin-of-acme",
        method: "ragplane.v1.AdminService/CreateApiKey",
      });
      expect(audit.queries.at(-1)).toEqual({ tenant: "acme", limit: 100 });
    });

    it("shows a platform admin every tenant and passes every filter through", async () => {
      expect((await listAudit(platformAdmin)).events).toHaveLength(3);
      expect(audit.queries.at(-1)?.tenant).toBeUndefined();
      const response = await listAudit(platformAdmin, {
        tenant: "globex",
        types: ["api_key.created"],
        startTime: timestampFromMs(now - 1000),
        endTime: timestampFromMs(now + 1000),
        pageSize: 1,
        pageToken: "1",
      });
      expect(audit.queries.at(-1)).toEqual({
        tenant: "globex",
        types: ["api_key.created"],
        since: now - 1000,
        until: now + 1000,
        limit: 1,
        after: "1",
      });
      expect(response.events.map((e) => e.tenant)).toEqual(["globex"]);
    });

    it("pages with next_page_token", async () => {
      const first = await listAudit(platformAdmin, { pageSize: 2 });
      expect(first.nextPageToken).toBe("2");
      const rest = await listAudit(platformAdmin, { pageSize: 2, pageToken: first.nextPageToken });
      expect(rest.events.map((e) => e.position)).toEqual(["3"]);
      expect(rest.nextPageToken).toBe("");
    });

    it("denies a tenant admin another tenant's trail", async () => {
      expect(await failureOf(listAudit(acmeAdmin, { tenant: "globex" }))).toBeInstanceOf(
        PermissionDeniedError,
      );
    });
  });
});
