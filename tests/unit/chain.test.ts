import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../clients/errors.js";
import { BadRequestSchema, RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import {
  DeleteRequestSchema,
  DeleteResponseSchema,
  GetCollectionRequestSchema,
  GetCollectionResponseSchema,
  VectorsService,
} from "../../gen/ragplane/v1/vectors_pb.js";
import {
  applyInterceptors,
  type CallOutput,
  type Interceptor,
  type Next,
} from "../../interceptors/call.js";
import { createChain } from "../../interceptors/chain.js";
import { methodKey } from "../../interceptors/validation.js";
import { requestIdKey, requestIdOf, tenantKey } from "../../interceptors/values.js";
import type { AuditEvent, AuditLog, AuditPage } from "../../security/audit/port.js";
import type { ApiKeyVerifier } from "../../security/authenticators.js";
import { UnauthenticatedError } from "../../security/errors.js";
import type { LimitDecision, RateLimiter } from "../../security/rate-limit/port.js";
import { type Scope, scopes } from "../../security/scopes.js";
import { rejection } from "../support/errors.js";
import { FakeCall } from "../support/fake-call.js";

const method = VectorsService.method.getCollection;
const logger = pino({ level: "silent" });
const deadlines = {
  read: { defaultMs: 1_000, maxMs: 5_000 },
  write: { defaultMs: 1_000, maxMs: 5_000 },
  stream: { maxMs: 10_000 },
};
const testKey = "rp_0000000000000000_00000000000000000000000000000000";
const readerKey = "rp_1111111111111111_11111111111111111111111111111111";

/** Accepts two fixed keys: one with every scope, one with `vectors:write` only. */
const apiKeys: ApiKeyVerifier = {
  verify: (key) => {
    if (key !== testKey && key !== readerKey) {
      return Promise.reject(new UnauthenticatedError("unknown api key"));
    }
    const granted: readonly Scope[] = key === testKey ? scopes : ["vectors:write"];
    return Promise.resolve({
      subject: `key:${key.slice(3, 19)}`,
      tenant: "acme",
      scopes: new Set(granted),
      method: "api-key",
    });
  },
};

/** Records audit events in memory. */
class RecordedAudit implements AuditLog {
  readonly events: AuditEvent[] = [];
  record(event: AuditEvent): void {
    this.events.push(event);
  }
  query(): Promise<AuditPage> {
    return Promise.resolve({ events: [] });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Allows `allowance` calls, then refuses with a 1.5 s wait. */
class CountingLimiter implements RateLimiter {
  consumed = 0;
  constructor(private readonly allowance = Number.POSITIVE_INFINITY) {}
  consume(): Promise<LimitDecision> {
    this.consumed++;
    return Promise.resolve(
      this.consumed <= this.allowance
        ? { allowed: true }
        : { allowed: false, budget: "read per tenant", retryAfterMs: 1_500 },
    );
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function chainWith(
  validator: (m: { name: string }) => { field: string; description: string }[],
  limiter: RateLimiter = new CountingLimiter(),
  audit: AuditLog = new RecordedAudit(),
) {
  return createChain({
    logger,
    deadlines,
    validators: new Map([[methodKey(method), validator as never]]),
    authenticators: { apiKeys },
    audit,
    limiter,
    streamLimits: { maxPerPrincipal: 0, maxPerTenant: 0 },
  });
}

/** A call to `method` presenting `key` (the all-scopes key by default). */
function authed(headers: Record<string, string> = {}, deadline?: number, key = testKey): FakeCall {
  return new FakeCall(method, { authorization: `Bearer ${key}`, ...headers }, deadline);
}

function reply(): Promise<CallOutput> {
  return Promise.resolve({ stream: false, message: create(GetCollectionResponseSchema) });
}

const request = create(GetCollectionRequestSchema, { name: "docs" });

describe("interceptor chain", () => {
  it("runs interceptors outermost first, in the order declared", async () => {
    const log: string[] = [];
    const recording =
      (name: string): Interceptor =>
      (next) =>
      async (call, input) => {
        log.push(`${name} in`);
        const output = await next(call, input);
        log.push(`${name} out`);
        return output;
      };
    const terminal: Next = () => {
      log.push("service");
      return reply();
    };
    const invoke = applyInterceptors([recording("a"), recording("b")], terminal, method);
    await invoke(new FakeCall(method), { stream: false, message: request });
    expect(log).toEqual(["a in", "b in", "service", "b out", "a out"]);
  });

  it("assigns a request id, echoing a safe client-supplied one and keeping a generated one for errors", async () => {
    const invoke = applyInterceptors(
      chainWith(() => []),
      reply,
      method,
    );
    const offered = authed({ "x-request-id": "req-123" });
    await invoke(offered, { stream: false, message: request });
    expect(offered.values.get(requestIdKey)).toBe("req-123");
    expect(offered.responseHeaders.get("x-request-id")).toBe("req-123");

    const unsafe = authed({ "x-request-id": "bad id\n" });
    await invoke(unsafe, { stream: false, message: request });
    expect(unsafe.values.get(requestIdKey)).toBe("");
    expect(requestIdOf(unsafe)).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(unsafe)).toBe(requestIdOf(unsafe));
    expect(unsafe.responseHeaders.has("x-request-id")).toBe(false);
  });

  it("rejects invalid input with INVALID_ARGUMENT and field violations before the service runs", async () => {
    let serviceRan = false;
    const invoke = applyInterceptors(
      chainWith((m) =>
        m.name === "" ? [{ field: "name", description: "must not be empty" }] : [],
      ),
      () => {
        serviceRan = true;
        return reply();
      },
      method,
    );
    const connectError = await rejection(
      invoke(authed(), {
        stream: false,
        message: create(GetCollectionRequestSchema, { name: "" }),
      }),
    );
    expect(serviceRan).toBe(false);
    expect(connectError.code).toBe(Code.InvalidArgument);
    expect(connectError.findDetails(BadRequestSchema)[0]?.fieldViolations).toEqual([
      expect.objectContaining({ field: "name", description: "must not be empty" }),
    ]);
  });

  it("maps domain errors to API codes and hides unexpected ones as INTERNAL", async () => {
    const failing = (error: Error) =>
      applyInterceptors(
        chainWith(() => []),
        () => Promise.reject(error),
        method,
      );
    const notFound = await rejection(
      failing(new NotFoundError("collection", "docs"))(authed(), {
        stream: false,
        message: request,
      }),
    );
    expect(notFound.code).toBe(Code.NotFound);
    expect(notFound.metadata.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);

    const internal = await rejection(
      failing(new Error("secret connection string"))(authed(), {
        stream: false,
        message: request,
      }),
    );
    expect(internal.code).toBe(Code.Internal);
    expect(internal.message).not.toContain("secret");
  });

  it("answers DEADLINE_EXCEEDED and aborts the call's signal when the deadline passes", async () => {
    let signal: AbortSignal | undefined;
    const invoke = applyInterceptors(
      chainWith(() => []),
      (call) => {
        signal = call.signal;
        return new Promise<never>(() => undefined);
      },
      method,
    );
    const call = authed({}, Date.now() + 30);
    const error = await rejection(invoke(call, { stream: false, message: request }));
    expect(error.code).toBe(Code.DeadlineExceeded);
    expect(signal?.aborted).toBe(true);
  });

  it("caps a client's deadline at the configured maximum", async () => {
    const invoke = applyInterceptors(
      chainWith(() => []),
      reply,
      method,
    );
    const call = authed({}, Date.now() + 3_600_000);
    await invoke(call, { stream: false, message: request });
    expect(call.deadline).toBeLessThanOrEqual(Date.now() + deadlines.read.maxMs);
  });

  it("authenticates before validating: a credential-less invalid call is UNAUTHENTICATED and audited", async () => {
    const audit = new RecordedAudit();
    const invoke = applyInterceptors(
      chainWith(() => [{ field: "name", description: "bad" }], new CountingLimiter(), audit),
      reply,
      method,
    );
    const error = await rejection(
      invoke(new FakeCall(method), { stream: false, message: request }),
    );
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.message).toContain("no credentials");
    expect(audit.events.map((event) => [event.type, event.reason, event.method])).toEqual([
      ["authentication.failed", "no credentials", "ragplane.v1.VectorsService/GetCollection"],
    ]);
  });

  it("records a flood of bad credentials from one peer once per period", async () => {
    const audit = new RecordedAudit();
    const invoke = applyInterceptors(
      chainWith(() => [], new CountingLimiter(), audit),
      reply,
      method,
    );
    for (let attempt = 0; attempt < 5; attempt++) {
      const bad = new FakeCall(method, { authorization: "Bearer rp_guess" });
      await rejection(invoke(bad, { stream: false, message: request }));
    }
    expect(audit.events.map((event) => event.reason)).toEqual(["unknown api key"]);
  });

  it("authorizes before limiting: a call without the scope spends no budget", async () => {
    const limiter = new CountingLimiter();
    const audit = new RecordedAudit();
    const invoke = applyInterceptors(
      chainWith(() => [], limiter, audit),
      reply,
      method,
    );
    const error = await rejection(
      invoke(authed({}, undefined, readerKey), { stream: false, message: request }),
    );
    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.message).toContain("vectors:read");
    expect(limiter.consumed).toBe(0);
    expect(audit.events[0]).toMatchObject({
      type: "permission.denied",
      tenant: "acme",
      principal: "key:1111111111111111",
    });
  });

  it("sets the tenant from the principal, and limits before validating", async () => {
    let tenant = "";
    const invoke = applyInterceptors(
      chainWith(() => [{ field: "name", description: "bad" }], new CountingLimiter(0)),
      (call) => {
        tenant = call.values.get(tenantKey);
        return reply();
      },
      method,
    );
    const limited = await rejection(invoke(authed(), { stream: false, message: request }));
    expect(limited.code).toBe(Code.ResourceExhausted);
    expect(limited.findDetails(RetryInfoSchema)[0]?.retryDelay).toEqual(
      expect.objectContaining({ seconds: 1n, nanos: 500_000_000 }),
    );
    expect(limited.metadata.get("retry-after")).toBe("2");

    const open = applyInterceptors(
      chainWith(() => []),
      (call) => {
        tenant = call.values.get(tenantKey);
        return reply();
      },
      method,
    );
    await open(authed(), { stream: false, message: request });
    expect(tenant).toBe("acme");
  });

  it("audits data access after validation: an invalid delete is not recorded, a valid one is", async () => {
    const audit = new RecordedAudit();
    const remove = VectorsService.method.delete;
    const chain = createChain({
      logger,
      deadlines,
      validators: new Map([
        [
          methodKey(remove),
          ((m: { collection: string }) =>
            m.collection === "" ? [{ field: "collection", description: "empty" }] : []) as never,
        ],
      ]),
      authenticators: { apiKeys },
      audit,
      limiter: new CountingLimiter(),
      streamLimits: { maxPerPrincipal: 0, maxPerTenant: 0 },
    });
    const invoke = applyInterceptors(
      chain,
      () =>
        Promise.resolve({ stream: false, message: create(DeleteResponseSchema, { deleted: 1n }) }),
      remove,
    );
    const call = () => new FakeCall(remove, { authorization: `Bearer ${testKey}` });
    const invalid = create(DeleteRequestSchema, { collection: "", ids: ["a"] });
    await rejection(invoke(call(), { stream: false, message: invalid }));
    expect(audit.events).toEqual([]);
    const valid = create(DeleteRequestSchema, { collection: "docs", ids: ["a", "b"] });
    await invoke(call(), { stream: false, message: valid });
    expect(audit.events.map((event) => [event.type, event.tenant, event.details])).toEqual([
      [
        "data.delete",
        "acme",
        { target: "docs", targetKind: "collection", items: "2", deleted: "1", outcome: "ok" },
      ],
    ]);
  });
});
