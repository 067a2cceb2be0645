import { Code, type ConnectError } from "@connectrpc/connect";
import { RetryInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import type { RetryPolicy } from "./policy.js";

/**
 * How long to wait before sending a failed call again, in milliseconds, or undefined
 * when the failure is not worth retrying:
 * - UNAVAILABLE is retried;
 * - RESOURCE_EXHAUSTED only when the server said when with `google.rpc.RetryInfo` (a
 *   quota that is used up carries none, and waiting would not help);
 * - anything else is not.
 *
 * The wait is the server's: the RetryInfo delay, else a `retry-after` header in seconds.
 * Without either it is exponential backoff with full jitter: uniform between 0 and
 * `initialBackoffMs × backoffMultiplier^(retry − 1)`, capped at `maxBackoffMs`.
 *
 * @param retry 1 for the first retry, 2 for the second, …
 * @param random a uniform number in [0, 1)
 */
export function retryDelayMs(
  error: ConnectError,
  retry: number,
  policy: RetryPolicy,
  random: () => number,
): number | undefined {
  if (error.code === Code.ResourceExhausted) {
    const [info] = error.findDetails(RetryInfoSchema);
    if (info === undefined) return undefined;
    const delay = info.retryDelay;
    if (delay !== undefined) return Number(delay.seconds) * 1_000 + delay.nanos / 1_000_000;
  } else if (error.code !== Code.Unavailable) {
    return undefined;
  }
  return retryAfterMs(error.metadata) ?? backoffMs(retry, policy, random);
}

function retryAfterMs(metadata: Headers): number | undefined {
  const value = metadata.get("retry-after")?.trim();
  return value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) * 1_000 : undefined;
}

function backoffMs(retry: number, policy: RetryPolicy, random: () => number): number {
  const bound = Math.min(
    policy.initialBackoffMs * policy.backoffMultiplier ** (retry - 1),
    policy.maxBackoffMs,
  );
  return random() * bound;
}
