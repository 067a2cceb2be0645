import { Code, ConnectError } from "@connectrpc/connect";
import { EngineTimeoutError } from "../clients/errors.js";
import type { CallOutput, Interceptor } from "./call.js";

/** Options of {@link createDeadlineInterceptor}. All times in milliseconds. */
export interface DeadlineOptions {
  /** Deadline given to unary and client-streaming calls that arrive without one. */
  readonly defaultTimeoutMs: number;
  /** Longest deadline granted to unary and client-streaming calls. */
  readonly maxTimeoutMs: number;
  /** Longest deadline granted to server-streaming calls (which get none by default). */
  readonly maxStreamTimeoutMs: number;
}

/**
 * Fixes each call's effective deadline (the client's, else a default, capped by a
 * maximum), stores it on the call for the engines, and enforces it: when it passes, the
 * call's signal is aborted (cancelling engine work) and the client gets
 * DEADLINE_EXCEEDED. Server-streaming calls run until cancelled unless a deadline is set.
 */
export function createDeadlineInterceptor(options: DeadlineOptions): Interceptor {
  return (next, method) => {
    const streamsOut = method.methodKind === "server_streaming";
    const fallbackMs = streamsOut ? undefined : options.defaultTimeoutMs;
    const maxMs = streamsOut ? options.maxStreamTimeoutMs : options.maxTimeoutMs;
    return async (call, input) => {
      const now = Date.now();
      const requested = call.deadline ?? (fallbackMs === undefined ? undefined : now + fallbackMs);
      const deadline = requested === undefined ? now + maxMs : Math.min(requested, now + maxMs);
      call.deadline = deadline;
      const remaining = deadline - now;
      if (remaining <= 0) throw new ConnectError("deadline exceeded", Code.DeadlineExceeded);

      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const reason = new EngineTimeoutError("request");
          call.abort(reason);
          reject(new ConnectError("deadline exceeded", Code.DeadlineExceeded));
        }, remaining);
      });
      expired.catch(() => undefined);
      let output: CallOutput;
      try {
        output = await Promise.race([next(call, input), expired]);
      } catch (error) {
        clearTimeout(timer);
        throw error;
      }
      if (!output.stream) {
        clearTimeout(timer);
        return output;
      }
      return {
        stream: true,
        messages: untilExpired(output.messages, expired, () => clearTimeout(timer)),
      };
    };
  };
}

async function* untilExpired<T>(
  source: AsyncIterable<T>,
  expired: Promise<never>,
  done: () => void,
): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      const result = await Promise.race([iterator.next(), expired]);
      if (result.done) return;
      yield result.value;
    }
  } finally {
    done();
    await iterator.return?.();
  }
}
