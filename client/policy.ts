import type { DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";

/**
 * How a client retries a call that failed before the server did its work. The same
 * numbers are published for gRPC clients in `gen/service-config.json`.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. Default 5 (gRPC caps it at 5 as well). */
  readonly maxAttempts: number;
  /** Upper bound of the first backoff, in milliseconds. Default 200. */
  readonly initialBackoffMs: number;
  /** Upper bound of any backoff, in milliseconds. Default 2 000. */
  readonly maxBackoffMs: number;
  /** Growth of the backoff bound from one retry to the next. Default 2. */
  readonly backoffMultiplier: number;
}

/** The retry policy of ragplane's clients unless the caller chooses another. */
export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  initialBackoffMs: 200,
  maxBackoffMs: 2_000,
  backoffMultiplier: 2,
};

/** Default deadline of a read (`NO_SIDE_EFFECTS`) call: the server's `READ_TIMEOUT_MS`. */
export const defaultReadTimeoutMs = 10_000;

/** Default deadline of any other call that ends: the server's `WRITE_TIMEOUT_MS`. */
export const defaultWriteTimeoutMs = 30_000;

/**
 * Whether a call of the method may be sent again after a failure the server reports
 * before doing any work: the contract marks it `NO_SIDE_EFFECTS` or `IDEMPOTENT`.
 */
export function isRetryable(method: DescMethod): boolean {
  return (
    method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS ||
    method.idempotency === MethodOptions_IdempotencyLevel.IDEMPOTENT
  );
}

/**
 * The deadline a call of the method gets when its caller sets none, in milliseconds:
 * {@link defaultReadTimeoutMs} for reads, {@link defaultWriteTimeoutMs} for writes, and none for calls
 * whose server streams (they follow until cancelled, as the server lets them).
 */
export function defaultTimeoutMs(method: DescMethod): number | undefined {
  if (method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming") {
    return undefined;
  }
  return method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS
    ? defaultReadTimeoutMs
    : defaultWriteTimeoutMs;
}
