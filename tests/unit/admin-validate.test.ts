import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import {
  AdminService,
  CreateApiKeyRequestSchema,
  ListApiKeysRequestSchema,
  ListAuditEventsRequestSchema,
  RevokeApiKeyRequestSchema,
  RevokeTokenRequestSchema,
} from "../../gen/ragplane/v1/admin_pb.js";
import { createValidationInterceptor } from "../../interceptors/validation.js";
import { encodeKeyPageToken } from "../../security/api-keys/page-token.js";
import { adminValidators, createAdminValidators } from "../../server/services/admin/validate.js";
import { validatorMap } from "../../server/services/validators.js";
import { FakeCall } from "../support/fake-call.js";

const now = 1_800_000_000_000;
const validators = createAdminValidators({ now: () => now });
const fields = (violations: { field: string }[]) => violations.map((v) => v.field);
const build = <D extends DescMessage>(schema: D, init: MessageInitShape<D>) => create(schema, init);

describe("adminValidators.createApiKey", () => {
  const check = (init: MessageInitShape<typeof CreateApiKeyRequestSchema>) =>
    fields(
      validators.createApiKey(
        build(CreateApiKeyRequestSchema, { name: "ci", scopes: ["vectors:read"], ...init }),
      ),
    );

  it("accepts a well-formed request, with or without tenant and expiry", () => {
    expect(check({})).toEqual([]);
    expect(check({ tenant: "acme", expireTime: timestampFromMs(now + 1000) })).toEqual([]);
    expect(check({ name: "", scopes: ["admin", "graphs:write"] })).toEqual([]);
  });

  it("limits the name to 128 characters without control characters", () => {
    expect(check({ name: "n".repeat(128) })).toEqual([]);
    expect(check({ name: "n".repeat(129) })).toEqual(["name"]);
    expect(check({ name: "ci\u001b[2J" })).toEqual(["name"]);
  });

  it("requires at least one known scope, each once", () => {
    expect(check({ scopes: [] })).toEqual(["scopes"]);
    expect(check({ scopes: ["vectors:read", "vectors:delete", "Admin"] })).toEqual([
      "scopes[1]",
      "scopes[2]",
    ]);
    expect(check({ scopes: ["admin", "admin"] })).toEqual(["scopes[1]"]);
  });

  it("requires expire_time in the future and a valid timestamp", () => {
    expect(check({ expireTime: timestampFromMs(now) })).toEqual(["expire_time"]);
    expect(check({ expireTime: timestampFromMs(now - 1) })).toEqual(["expire_time"]);
    expect(check({ expireTime: { seconds: 300_000_000_000n, nanos: 0 } })).toEqual(["expire_time"]);
    expect(check({ expireTime: { seconds: 2_000_000_000n, nanos: -1 } })).toEqual(["expire_time"]);
  });

  it("refuses a reserved tenant", () => {
    expect(check({ tenant: "_system" })).toEqual(["tenant"]);
    expect(check({ tenant: "t".repeat(257) })).toEqual(["tenant"]);
  });
});

describe("adminValidators, other methods", () => {
  it("checks ListApiKeys page size, page token and tenant", () => {
    const check = (init: MessageInitShape<typeof ListApiKeysRequestSchema>) =>
      fields(validators.listApiKeys(build(ListApiKeysRequestSchema, init)));
    expect(check({})).toEqual([]);
    expect(check({ pageSize: 1000, pageToken: encodeKeyPageToken(7), tenant: "acme" })).toEqual([]);
    expect(check({ pageSize: 1001 })).toEqual(["page_size"]);
    expect(check({ pageSize: -1 })).toEqual(["page_size"]);
    expect(check({ pageToken: "not-ours" })).toEqual(["page_token"]);
    expect(check({ tenant: "_system" })).toEqual(["tenant"]);
  });

  it("requires RevokeApiKey ids to look like key ids", () => {
    const check = (id: string) =>
      fields(validators.revokeApiKey(build(RevokeApiKeyRequestSchema, { id })));
    expect(check("0123456789abcDEF")).toEqual([]);
    expect(check("")).toEqual(["id"]);
    expect(check("rp_0123456789abcDEF_x")).toEqual(["id"]);
    expect(check("0123456789abcDE")).toEqual(["id"]);
  });

  it("requires a RevokeToken jti of at most 256 bytes, a future expiry and a valid tenant", () => {
    const check = (init: MessageInitShape<typeof RevokeTokenRequestSchema>) =>
      fields(validators.revokeToken(build(RevokeTokenRequestSchema, init)));
    expect(check({ jti: "j", expireTime: timestampFromMs(now + 5000) })).toEqual([]);
    expect(check({ jti: "j", expireTime: timestampFromMs(now - 5000) })).toEqual(["expire_time"]);
    expect(check({ jti: "j", tenant: "_system" })).toEqual(["tenant"]);
    expect(check({ jti: "" })).toEqual(["jti"]);
    expect(check({ jti: "j".repeat(257) })).toEqual(["jti"]);
  });

  it("checks ListAuditEvents types, time range, page size and tenant", () => {
    const check = (init: MessageInitShape<typeof ListAuditEventsRequestSchema>) =>
      fields(validators.listAuditEvents(build(ListAuditEventsRequestSchema, init)));
    expect(
      check({
        types: ["permission.denied", "api_key.created"],
        startTime: timestampFromMs(now - 10),
        endTime: timestampFromMs(now),
        pageSize: 10,
        pageToken: "42",
      }),
    ).toEqual([]);
    expect(check({ types: ["permission.denied", "login"] })).toEqual(["types[1]"]);
    expect(check({ startTime: timestampFromMs(now), endTime: timestampFromMs(now) })).toEqual([
      "end_time",
    ]);
    expect(check({ pageSize: 5000 })).toEqual(["page_size"]);
    expect(check({ tenant: "_audit" })).toEqual(["tenant"]);
  });
});

describe("adminValidators in the validation interceptor", () => {
  it("fits validatorMap and turns violations into INVALID_ARGUMENT with field violations", async () => {
    const map = validatorMap([[AdminService, adminValidators]]);
    expect([...map.keys()]).toEqual(
      AdminService.methods.map((m) => `ragplane.v1.AdminService/${m.name}`),
    );
    const method = AdminService.method.createApiKey;
    const interceptor = createValidationInterceptor({ validators: map });
    let reached = false;
    const next = interceptor(async () => {
      reached = true;
      return { stream: false, message: create(method.output) };
    }, method);
    const request = create(CreateApiKeyRequestSchema, { name: "ci", scopes: ["nope"] });
    const error = await (async () =>
      next(new FakeCall(method), { stream: false, message: request }))().catch((e: unknown) => e);
    expect(reached).toBe(false);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).findDetails(BadRequestSchema)[0]?.fieldViolations).toEqual([
      expect.objectContaining({ field: "scopes[0]", description: 'unknown scope "nope"' }),
    ]);
  });
});
