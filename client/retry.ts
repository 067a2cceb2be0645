import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { defaultRetryPolicy, isRetryable, type RetryPolicy } from "./policy.js";
import { retryDelayMs } from "./retry-delay.js";
import { setTimeoutHeader, timeoutFromHeader } from "./timeout-header.js";

/** Options of {@link createRetryInterceptor}: the policy, each field defaulting to {@link defaultRetryPolicy}. */
export interface RetryOptions extends Partial<RetryPolicy> {
  /** The source of jitter, uniform in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * Sends a unary call again when it fails with a status worth retrying (see
 * `retryDelayMs`: UNAVAILABLE, and RESOURCE_EXHAUSTED with `google.rpc.RetryInfo`),
 * for methods the contract marks `NO_SIDE_EFFECTS` or `IDEMPOTENT` only. Every attempt
 * shares the call's one deadline and headers (its `x-request-id` too): each is sent with
 * what is left of the deadline, and a wait that would end past it fails the call with
 * DEADLINE_EXCEEDED instead. Streaming calls are never retried: their messages are gone
 * once sent.
 */
export function createRetryInterceptor(options: RetryOptions = {}): Interceptor {
  const { random = Math.random, ...overrides } = options;
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...overrides };
  validate(policy);
  return (next) => async (request) => {
    if (request.stream || !isRetryable(request.method) || policy.maxAttempts === 1) {
      return next(request);
    }
    const timeoutMs = timeoutFromHeader(request.header);
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await next(request);
      } catch (error) {
        if (attempt >= policy.maxAttempts || request.signal.aborted) throw error;
        const failure = ConnectError.from(error);
        const delayMs = retryDelayMs(failure, attempt, policy, random);
        if (delayMs === undefined) throw error;
        if (deadline !== undefined && Date.now() + delayMs >= deadline) {
          throw new ConnectError(
            `the deadline passes before the next attempt (${failure.rawMessage})`,
            Code.DeadlineExceeded,
            failure.metadata,
            undefined,
            failure,
          );
        }
        await sleep(delayMs, request.signal);
        if (deadline !== undefined) setTimeoutHeader(request.header, deadline - Date.now());
      }
    }
  };
}

function validate(policy: RetryPolicy): void {
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`retry maxAttempts must be an integer of at least 1`);
  }
  for (const name of ["initialBackoffMs", "maxBackoffMs", "backoffMultiplier"] as const) {
    if (!Number.isFinite(policy[name]) || policy[name] < 0) {
      throw new RangeError(`retry ${name} must be a number of at least 0`);
    }
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
