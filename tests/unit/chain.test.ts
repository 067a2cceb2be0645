import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../clients/errors.js";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import {
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
import { requestIdKey } from "../../interceptors/values.js";
import { rejection } from "../support/errors.js";
import { FakeCall } from "../support/fake-call.js";

const method = VectorsService.method.getCollection;
const logger = pino({ level: "silent" });
const deadlines = { defaultTimeoutMs: 1_000, maxTimeoutMs: 5_000, maxStreamTimeoutMs: 10_000 };

function chainWith(validator: (m: { name: string }) => { field: string; description: string }[]) {
  return createChain({
    logger,
    deadlines,
    validators: new Map([[methodKey(method), validator as never]]),
  });
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

  it("assigns a request id, keeping a safe client-supplied one and echoing it", async () => {
    const invoke = applyInterceptors(
      chainWith(() => []),
      reply,
      method,
    );
    const offered = new FakeCall(method, { "x-request-id": "req-123" });
    await invoke(offered, { stream: false, message: request });
    expect(offered.values.get(requestIdKey)).toBe("req-123");
    expect(offered.responseHeaders.get("x-request-id")).toBe("req-123");

    const unsafe = new FakeCall(method, { "x-request-id": "bad id\n" });
    await invoke(unsafe, { stream: false, message: request });
    expect(unsafe.values.get(requestIdKey)).toMatch(/^[0-9a-f-]{36}$/);
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
      invoke(new FakeCall(method), {
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
      failing(new NotFoundError("collection", "docs"))(new FakeCall(method), {
        stream: false,
        message: request,
      }),
    );
    expect(notFound.code).toBe(Code.NotFound);

    const internal = await rejection(
      failing(new Error("secret connection string"))(new FakeCall(method), {
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
    const call = new FakeCall(method, {}, Date.now() + 30);
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
    const call = new FakeCall(method, {}, Date.now() + 3_600_000);
    await invoke(call, { stream: false, message: request });
    expect(call.deadline).toBeLessThanOrEqual(Date.now() + deadlines.maxTimeoutMs);
  });
});
