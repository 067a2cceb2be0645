import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { defaultRetryPolicy, type RetryPolicy } from "../../client/policy.js";
import { retryDelayMs } from "../../client/retry-delay.js";
import { setTimeoutHeader, timeoutFromHeader } from "../../client/timeout-header.js";
import { RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";

const policy: RetryPolicy = {
  maxAttempts: 5,
  initialBackoffMs: 100,
  maxBackoffMs: 1_000,
  backoffMultiplier: 3,
};
const top = () => 1;

function withRetryInfo(code: Code, retryDelay?: { seconds: bigint; nanos: number }): ConnectError {
  return new ConnectError("refused", code, { "retry-after": "7" }, [
    { desc: RetryInfoSchema, value: retryDelay === undefined ? {} : { retryDelay } },
  ]);
}

describe("retryDelayMs", () => {
  it("backs off UNAVAILABLE exponentially up to maxBackoffMs, with full jitter", () => {
    const unavailable = new ConnectError("down", Code.Unavailable);
    expect([1, 2, 3, 4].map((retry) => retryDelayMs(unavailable, retry, policy, top))).toEqual([
      100, 300, 900, 1_000,
    ]);
    expect(retryDelayMs(unavailable, 3, policy, () => 0.5)).toBe(450);
    expect(retryDelayMs(unavailable, 3, policy, () => 0)).toBe(0);
  });

  it("waits the RetryInfo delay, else retry-after, else backs off", () => {
    const exhausted = withRetryInfo(Code.ResourceExhausted, { seconds: 2n, nanos: 250_000_000 });
    expect(retryDelayMs(exhausted, 1, policy, top)).toBe(2_250);
    expect(retryDelayMs(withRetryInfo(Code.ResourceExhausted), 1, policy, top)).toBe(7_000);
    const bare = new ConnectError("down", Code.Unavailable, { "retry-after": "2" });
    expect(retryDelayMs(bare, 1, policy, top)).toBe(2_000);
    const dated = new ConnectError("down", Code.Unavailable, {
      "retry-after": "Wed, 21 Oct 2015 07:28:00 GMT",
    });
    expect(retryDelayMs(dated, 2, policy, top)).toBe(300);
  });

  it("does not retry RESOURCE_EXHAUSTED without RetryInfo, nor other codes", () => {
    const quota = new ConnectError("quota", Code.ResourceExhausted, { "retry-after": "1" });
    expect(retryDelayMs(quota, 1, policy, top)).toBeUndefined();
    for (const code of [Code.Internal, Code.DeadlineExceeded, Code.Aborted, Code.NotFound]) {
      expect(retryDelayMs(withRetryInfo(code), 1, policy, top), Code[code]).toBeUndefined();
    }
  });

  it("has the published defaults", () => {
    expect(defaultRetryPolicy).toEqual({
      maxAttempts: 5,
      initialBackoffMs: 200,
      maxBackoffMs: 2_000,
      backoffMultiplier: 2,
    });
  });
});

describe("the wire timeout", () => {
  it("reads connect-timeout-ms and grpc-timeout in any unit", () => {
    const read = (init: Record<string, string>) => timeoutFromHeader(new Headers(init));
    expect(read({ "connect-timeout-ms": "1500" })).toBe(1_500);
    expect(read({ "grpc-timeout": "1500m" })).toBe(1_500);
    expect(read({ "grpc-timeout": "2S" })).toBe(2_000);
    expect(read({ "grpc-timeout": "1M" })).toBe(60_000);
    expect(read({ "grpc-timeout": "1H" })).toBe(3_600_000);
    expect(read({ "grpc-timeout": "2500u" })).toBe(3);
    expect(read({ "grpc-timeout": "10n" })).toBe(1);
    expect(read({})).toBeUndefined();
    expect(read({ "grpc-timeout": "soon" })).toBeUndefined();
    expect(read({ "connect-timeout-ms": "-1" })).toBeUndefined();
  });

  it("rewrites the header the request already has, and adds none", () => {
    const connect = new Headers({ "connect-timeout-ms": "1500" });
    setTimeoutHeader(connect, 700.2);
    expect(connect.get("connect-timeout-ms")).toBe("701");
    const grpc = new Headers({ "grpc-timeout": "2S" });
    setTimeoutHeader(grpc, 0.3);
    expect(grpc.get("grpc-timeout")).toBe("1m");
    const none = new Headers();
    setTimeoutHeader(none, 500);
    expect([...none.keys()]).toEqual([]);
  });
});
