import { setTimeout as sleep } from "node:timers/promises";
import { create, type DescMethod } from "@bufbuild/protobuf";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EmbeddedEventLog } from "../../clients/events/embedded/log.js";
import {
  GetCollectionResponseSchema,
  SearchRequestSchema,
  VectorsService,
} from "../../gen/ragplane/v1/vectors_pb.js";
import type { CallOutput, Next } from "../../interceptors/call.js";
import { createRateLimitInterceptor } from "../../interceptors/rate-limit.js";
import { principalKey, requestIdKey } from "../../interceptors/values.js";
import { LogAuditLog } from "../../security/audit/log-audit.js";
import { RateLimitedError } from "../../security/errors.js";
import { createRateLimiter } from "../../security/rate-limit/limiter.js";
import type { Budget, RateLimiter } from "../../security/rate-limit/port.js";
import { FakeCall } from "../support/fake-call.js";
import { openTemporaryLog, type TemporaryLog } from "../support/temporary-log.js";

const logger = pino({ level: "silent" });
const search = VectorsService.method.search;
const upsert = VectorsService.method.upsert;
const input = { stream: false, message: create(SearchRequestSchema) } as const;

let log: TemporaryLog;
let events: EmbeddedEventLog;
let audit: LogAuditLog;

beforeEach(async () => {
  log = await openTemporaryLog("ragplane-rate-limit-");
  events = log.events;
  audit = await LogAuditLog.open({ events, logger });
});

afterEach(async () => {
  await audit.close();
  await log.remove();
});

function limiter(read: Budget, windowMs = 60_000): RateLimiter {
  const off = { perTenant: 0, perPrincipal: 0 };
  const config = { windowMs, budgets: { read, write: off, stream: off }, refusedPerCaller: 0 };
  return createRateLimiter({ config, logger });
}

/** The interceptor around a service that counts its calls. */
function served(rateLimiter: RateLimiter, method: DescMethod = search) {
  let calls = 0;
  const service: Next = () => {
    calls++;
    return Promise.resolve<CallOutput>({
      stream: false,
      message: create(GetCollectionResponseSchema),
    });
  };
  const handler = createRateLimitInterceptor({ limiter: rateLimiter, audit })(service, method);
  return { handler, served: () => calls };
}

function callBy(subject: string | undefined, method: DescMethod = search): FakeCall {
  const call = new FakeCall(method);
  call.values.set(requestIdKey, `req-${subject ?? "anonymous"}`);
  if (subject !== undefined) {
    call.values.set(principalKey, {
      subject,
      tenant: "acme",
      scopes: new Set(["vectors:read" as const, "vectors:write" as const]),
      method: "api-key",
    });
  }
  return call;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error("expected a refusal"),
    (error: unknown) => error,
  );
}

async function exceeded(): Promise<string[]> {
  await audit.flush();
  const page = await audit.query({ limit: 100, types: ["rate_limit.exceeded"] });
  return page.events.map((event) => `${event.principal} ${event.reason}`);
}

describe("createRateLimitInterceptor", () => {
  it("refuses a call over budget with RateLimitedError naming the budget and the wait; the service never runs", async () => {
    const { handler, served: count } = served(limiter({ perTenant: 0, perPrincipal: 1 }));
    await handler(callBy("key:a"), input);
    const error = await failure(handler(callBy("key:a"), input));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ budget: "read per principal" });
    expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(0);
    expect(count()).toBe(1);
  });

  it("records rate_limit.exceeded once per principal and budget per window", async () => {
    const { handler } = served(limiter({ perTenant: 0, perPrincipal: 1 }, 300));
    await handler(callBy("key:a"), input);
    await handler(callBy("key:b"), input);
    for (let i = 0; i < 5; i++) {
      await failure(handler(callBy("key:a"), input));
      await failure(handler(callBy("key:b"), input));
    }
    expect((await exceeded()).sort()).toEqual([
      "key:a read per principal",
      "key:b read per principal",
    ]);
    const [event] = (await audit.query({ limit: 1, types: ["rate_limit.exceeded"] })).events;
    expect(event).toMatchObject({
      tenant: "acme",
      method: "ragplane.v1.VectorsService/Search",
      requestId: "req-key:a",
    });

    await sleep(350);
    await handler(callBy("key:a"), input);
    await failure(handler(callBy("key:a"), input));
    await failure(handler(callBy("key:a"), input));
    expect(await exceeded()).toHaveLength(3);
  });

  it("draws from the budget of the method's class", async () => {
    const rateLimiter = limiter({ perTenant: 1, perPrincipal: 0 });
    const reads = served(rateLimiter, search);
    const writes = served(rateLimiter, upsert);
    await reads.handler(callBy("key:a"), input);
    expect(await failure(reads.handler(callBy("key:a"), input))).toBeInstanceOf(RateLimitedError);
    for (let i = 0; i < 3; i++) await writes.handler(callBy("key:a", upsert), input);
    expect(writes.served()).toBe(3);
  });

  it("lets calls without a principal through unlimited", async () => {
    const { handler, served: count } = served(limiter({ perTenant: 1, perPrincipal: 1 }));
    for (let i = 0; i < 3; i++) await handler(callBy(undefined), input);
    expect(count()).toBe(3);
    expect(await exceeded()).toEqual([]);
  });
});
