import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GetCollectionRequestSchema,
  GetCollectionResponseSchema,
  VectorsService,
} from "../../gen/ragplane/v1/vectors_pb.js";
import { applyInterceptors, type CallOutput } from "../../interceptors/call.js";
import { createChain } from "../../interceptors/chain.js";
import type { MethodMetrics, RpcMetrics, SecurityMetrics } from "../../interceptors/metrics.js";
import { methodKey } from "../../interceptors/validation.js";
import { requestIdKey } from "../../interceptors/values.js";
import type { AuditLog } from "../../security/audit/port.js";
import { UnauthenticatedError } from "../../security/errors.js";
import type { LimitDecision } from "../../security/rate-limit/port.js";
import { scopes } from "../../security/scopes.js";
import { rejection } from "../support/errors.js";
import { FakeCall } from "../support/fake-call.js";
import { type MemoryTracing, startMemoryTracing } from "../support/tracing.js";

const method = VectorsService.method.getCollection;
const key = "rp_0000000000000000_00000000000000000000000000000000";
const request = create(GetCollectionRequestSchema, { name: "docs" });
const reply = (): Promise<CallOutput> =>
  Promise.resolve({ stream: false, message: create(GetCollectionResponseSchema) });

/** Records what the metrics step and the security steps report. */
class RecordedMetrics implements RpcMetrics, SecurityMetrics {
  readonly finished: number[] = [];
  readonly authFailures: string[] = [];
  readonly refusedBudgets: string[] = [];
  forMethod(): MethodMetrics {
    return {
      started: () => undefined,
      finished: (_protocol, code) => this.finished.push(code),
      requestBytes: () => undefined,
      streamOpened: () => undefined,
      streamClosed: () => undefined,
    };
  }
  authenticationFailed(reason: string): void {
    this.authFailures.push(reason);
  }
  rateLimited(budget: string): void {
    this.refusedBudgets.push(budget);
  }
}

const audit: AuditLog = { record: () => undefined } as unknown as AuditLog;
let tracing: MemoryTracing;
beforeAll(() => {
  tracing = startMemoryTracing();
});
afterAll(() => tracing.shutdown());

function chain(metrics: RecordedMetrics, refuseAll = false) {
  return applyInterceptors(
    createChain({
      logger: pino({ level: "silent" }),
      deadlines: {
        read: { defaultMs: 1_000, maxMs: 5_000 },
        write: { defaultMs: 1_000, maxMs: 5_000 },
        stream: { maxMs: 10_000 },
      },
      validators: new Map([
        [
          methodKey(method),
          ((m: { name: string }) =>
            m.name === "" ? [{ field: "name", description: "must not be empty" }] : []) as never,
        ],
      ]),
      authenticators: {
        apiKeys: {
          verify: (offered) =>
            offered === key
              ? Promise.resolve({
                  subject: "key:0000",
                  tenant: "acme",
                  scopes: new Set(scopes),
                  method: "api-key",
                })
              : Promise.reject(new UnauthenticatedError("unknown api key")),
        },
      },
      audit,
      limiter: {
        consume: (budget): Promise<LimitDecision> =>
          Promise.resolve(
            refuseAll
              ? { allowed: false, budget: `${budget} per tenant`, retryAfterMs: 1_000 }
              : { allowed: true },
          ),
        close: () => Promise.resolve(),
      },
      streamLimits: { maxPerPrincipal: 0, maxPerTenant: 0 },
      tracer: tracing.tracer,
      metrics,
      securityMetrics: metrics,
    }),
    reply,
    method,
  );
}

describe("the chain's telemetry steps", () => {
  it("trace and count a call refused by authentication, with its mapped code", async () => {
    tracing.reset();
    const metrics = new RecordedMetrics();
    const call = new FakeCall(method, { authorization: "Bearer rp_nope" });
    const error = await rejection(chain(metrics)(call, { stream: false, message: request }));
    expect(error.code).toBe(Code.Unauthenticated);
    expect(metrics.finished).toEqual([Code.Unauthenticated]);
    expect(metrics.authFailures).toEqual(["unknown api key"]);
    const [span] = tracing.spans();
    expect(span?.name).toBe("ragplane.v1.VectorsService/GetCollection");
    expect(span?.attributes["rpc.response.status_code"]).toBe("UNAUTHENTICATED");
    expect(span?.attributes["ragplane.tenant"]).toBeUndefined();
    expect(call.values.get(requestIdKey)).not.toBe("");
  });

  it("count a rate-limit refusal by budget class and an invalid request by its code", async () => {
    tracing.reset();
    const refused = new RecordedMetrics();
    const authorization = { authorization: `Bearer ${key}` };
    await rejection(
      chain(refused, true)(new FakeCall(method, authorization), {
        stream: false,
        message: request,
      }),
    );
    expect(refused.refusedBudgets).toEqual(["read"]);
    expect(refused.finished).toEqual([Code.ResourceExhausted]);
    const invalid = new RecordedMetrics();
    const empty = create(GetCollectionRequestSchema, { name: "" });
    await rejection(
      chain(invalid)(new FakeCall(method, authorization), { stream: false, message: empty }),
    );
    expect(invalid.finished).toEqual([Code.InvalidArgument]);
    expect(tracing.spans().map((span) => span.attributes["ragplane.tenant"])).toEqual([
      "acme",
      "acme",
    ]);
  });
});
