import { Code } from "@connectrpc/connect";
import pino from "pino";
import { describe, expect, it } from "vitest";
import {
  AlreadyExistsError,
  CancelledError,
  EngineTimeoutError,
  EngineUnavailableError,
  NotFoundError,
} from "../../clients/errors.js";
import { QuotaFailureSchema, RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { toConnectError } from "../../interceptors/error-mapping.js";
import { QuotaExceededError, RateLimitedError } from "../../security/errors.js";
import { FakeCall } from "../support/fake-call.js";

const logger = pino({ level: "silent" });
const map = (error: unknown) =>
  toConnectError(error, new FakeCall(VectorsService.method.search), logger);

describe("error mapping", () => {
  it("answers an engine that says when to come back with UNAVAILABLE, RetryInfo and retry-after", () => {
    const error = map(new EngineUnavailableError("graph store (neo4j)", { retryAfterMs: 5_000 }));
    expect(error.code).toBe(Code.Unavailable);
    expect(error.findDetails(RetryInfoSchema)[0]?.retryDelay?.seconds).toBe(5n);
    expect(error.metadata.get("retry-after")).toBe("5");
  });

  it("answers an engine down without a known delay with plain UNAVAILABLE", () => {
    const error = map(new EngineUnavailableError("redis"));
    expect(error.code).toBe(Code.Unavailable);
    expect(error.findDetails(RetryInfoSchema)).toHaveLength(0);
  });

  it("gives rate limits a sub-second delay in RetryInfo and at least one second in retry-after", () => {
    const error = map(new RateLimitedError("expensive calls per tenant", 250));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.findDetails(RetryInfoSchema)[0]?.retryDelay?.nanos).toBe(250_000_000);
    expect(error.metadata.get("retry-after")).toBe("1");
  });

  it("answers a quota with RESOURCE_EXHAUSTED, QuotaFailure and no RetryInfo", () => {
    const error = map(new QuotaExceededError("acme", "points", 10, 9, 2));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.findDetails(QuotaFailureSchema)[0]?.violations[0]).toMatchObject({
      subject: "tenant:acme",
      quotaId: "points",
      quotaValue: 10n,
    });
    expect(error.findDetails(RetryInfoSchema)).toHaveLength(0);
  });

  it.each([
    [new NotFoundError("collection", "c"), Code.NotFound],
    [new AlreadyExistsError("topic", "t"), Code.AlreadyExists],
    [new EngineTimeoutError("qdrant"), Code.DeadlineExceeded],
    [new CancelledError(), Code.Canceled],
    [new Error("a bug"), Code.Internal],
  ])("maps %s to its code", (error, code) => {
    expect(map(error).code).toBe(code);
  });
});
