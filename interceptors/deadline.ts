import { Code, ConnectError } from "@connectrpc/connect";
import { EngineTimeoutError } from "../clients/errors.js";
import type { BudgetClass } from "../security/rate-limit/port.js";
import type { Call, CallInput, CallOutput, Interceptor, Next } from "./call.js";
import { policyOf } from "./policy.js";

/** The deadline rule of one RPC class, in milliseconds. */
export interface ClassDeadline {
  /** Given to calls that arrive without a deadline; none when absent. */
  readonly defaultMs?: number;
  /** The longest deadline granted. */
  readonly maxMs: number;
}

/** Options of {@link createDeadlineInterceptor}: a rule per RPC class (see `policy.ts`). */
export type DeadlineOptions = Readonly<Record<BudgetClass, ClassDeadline>>;

/**
 * Fixes each call's effective deadline (the client's, else a default, capped by a
 * maximum), stores it on the call for the engines, and enforces it: when it passes, the
 * call's signal is aborted (cancelling engine work) and the client gets
 * DEADLINE_EXCEEDED. Server-streaming calls run until cancelled unless a deadline is set.
 */
export function createDeadlineInterceptor(options: DeadlineOptions): Interceptor {
  return (next, method) => {
    const streamsOut = method.methodKind === "server_streaming";
    const { defaultMs: fallbackMs, maxMs } = options[policyOf(method).budget];
    return (call, input) => {
      const now = Date.now();
      const requested = call.deadline ?? (fallbackMs === undefined ? undefined : now + fallbackMs);
      const deadline = requested === undefined ? now + maxMs : Math.min(requested, now + maxMs);
      call.deadline = deadline;
      const remaining = deadline - now;
      if (remaining <= 0) {
        return Promise.reject(new ConnectError("deadline exceeded", Code.DeadlineExceeded));
      }
      return streamsOut
        ? enforceStreaming(next, call, input, remaining)
        : enforce(next, call, input, remaining);
    };
  };
}

/**
 * Runs `next` under a deadline `remaining` ms away, for methods that answer with one
 * message: one promise settled by whichever comes first, the answer or the timer, rather
 * than a race against a second promise. Behaves as {@link enforceStreaming} does.
 */
function enforce(next: Next, call: Call, input: CallInput, remaining: number): Promise<CallOutput> {
  return new Promise<CallOutput>((resolve, reject) => {
    let settled = false;
    let expire: ((error: ConnectError) => void) | undefined;
    const timer = setTimeout(() => {
      call.abort(new EngineTimeoutError("request"));
      const error = new ConnectError("deadline exceeded", Code.DeadlineExceeded);
      if (!settled) {
        settled = true;
        reject(error);
      }
      expire?.(error);
    }, remaining);
    let output: Promise<CallOutput>;
    try {
      output = next(call, input);
    } catch (error) {
      clearTimeout(timer);
      settled = true;
      reject(error);
      return;
    }
    output.then(
      (result) => {
        if (settled) return;
        settled = true;
        if (!result.stream) {
          clearTimeout(timer);
          resolve(result);
          return;
        }
        const expired = new Promise<never>((_, rejectExpired) => {
          expire = rejectExpired;
        });
        expired.catch(() => undefined);
        resolve({
          stream: true,
          messages: untilExpired(result.messages, expired, () => clearTimeout(timer)),
        });
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        reject(error);
      },
    );
  });
}

/** Runs `next` under a deadline `remaining` ms away, for methods that stream answers. */
async function enforceStreaming(
  next: Next,
  call: Call,
  input: CallInput,
  remaining: number,
): Promise<CallOutput> {
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
