import {
  BrokenCircuitError,
  type BulkheadPolicy,
  BulkheadRejectedError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  bulkhead as createBulkhead,
  ExponentialBackoff,
  handleWhen,
  type IPolicy,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from "cockatiel";
import {
  CancelledError,
  EngineTimeoutError,
  EngineUnavailableError,
  throwIfAborted,
} from "../errors.js";
import { abortable } from "../signals.js";
import { remainingMs } from "./deadline.js";

/** How one engine's calls are made resilient; every engine has its own. */
export interface EnginePolicySettings {
  /** The engine's name, as errors and metrics carry it. */
  readonly engine: string;
  /** Longest single attempt, in ms; the caller's deadline bounds it too. */
  readonly attemptTimeoutMs: number;
  /** Attempts after the first, for idempotent calls failing transiently. */
  readonly retries: number;
  /** First and longest pause between attempts, in ms (exponential, with jitter). */
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  /** Consecutive engine faults that open the breaker, and how long it stays open, in ms. */
  readonly breaker: { readonly failures: number; readonly openMs: number };
  /** Calls running at once, and calls waiting for one of those slots. */
  readonly bulkhead: { readonly maxInFlight: number; readonly maxQueued: number };
  /** A failure worth another attempt: the engine may answer next time (no domain outcome). */
  readonly isTransient: (error: unknown) => boolean;
  /** A failure that counts against the engine's health. Default: every transient one. */
  readonly isFault?: (error: unknown) => boolean;
}

/** How a call is made. */
export interface PolicyCallOptions {
  /** Whether repeating the call after a failure is harmless. */
  readonly idempotent: boolean;
  /** The caller's signal: its deadline bounds every attempt and every pause. */
  readonly signal?: AbortSignal | undefined;
}

/** The breaker's state: `open` fails fast, `half-open` lets one probe through. */
export type BreakerState = "closed" | "open" | "half-open";

/** What a policy reports, for metrics and health. */
export interface PolicyEvents {
  breakerChanged?(engine: string, state: BreakerState): void;
  bulkheadRejected?(engine: string): void;
  retried?(engine: string): void;
}

/**
 * THE resilience design of every engine call, composed in one place, outermost first:
 *
 * 1. **retry** (idempotent calls only): transient failures are tried again, up to
 *    `retries` times, after exponential pauses with jitter, and only while the caller's
 *    deadline leaves room for the pause and another attempt;
 * 2. **circuit breaker** (one per engine): after `breaker.failures` consecutive faults
 *    calls fail at once (`EngineUnavailableError` with a retry delay) for `breaker.openMs`,
 *    then one call probes the engine (half-open) and its outcome closes or reopens it;
 * 3. **bulkhead** (one per engine): at most `maxInFlight` calls run and `maxQueued` wait;
 *    one more fails at once, so a slow engine cannot take the process's memory;
 * 4. **timeout** of each attempt: `attemptTimeoutMs`, cut to end just before the caller's
 *    deadline (a hung engine then times out, and opens its breaker), and the caller's
 *    own signal.
 *
 * The drivers' own retries are off or limited to reconnecting, so this is the only layer.
 * Failures leave as the engine's errors (for its adapter to map) or as
 * `EngineUnavailableError` / `EngineTimeoutError` / the caller's cancellation.
 */
export class EnginePolicy {
  private readonly breaker: CircuitBreakerPolicy;
  private readonly bulkhead: BulkheadPolicy;
  private readonly attemptTimeout: IPolicy;
  private readonly isFault: (error: unknown) => boolean;

  constructor(
    readonly settings: EnginePolicySettings,
    private readonly events: PolicyEvents = {},
  ) {
    const { engine } = settings;
    this.isFault = settings.isFault ?? settings.isTransient;
    this.breaker = circuitBreaker(
      handleWhen(
        (error) =>
          error instanceof TaskCancelledError || (!isCancellation(error) && this.isFault(error)),
      ),
      {
        halfOpenAfter: settings.breaker.openMs,
        breaker: new ConsecutiveBreaker(settings.breaker.failures),
      },
    );
    this.breaker.onStateChange((state) => events.breakerChanged?.(engine, stateName(state)));
    this.bulkhead = createBulkhead(settings.bulkhead.maxInFlight, settings.bulkhead.maxQueued);
    this.bulkhead.onReject(() => events.bulkheadRejected?.(engine));
    this.attemptTimeout = timeout(settings.attemptTimeoutMs, TimeoutStrategy.Aggressive);
  }

  /** The breaker's state now. */
  get state(): BreakerState {
    return stateName(this.breaker.state);
  }

  /** Listens to the breaker's changes; returns the means to stop. */
  onBreakerChange(listener: (state: BreakerState) => void): () => void {
    const subscription = this.breaker.onStateChange((state) => listener(stateName(state)));
    return () => subscription.dispose();
  }

  /**
   * Runs `call` (given the signal of its attempt) under the policy. Rejects with the
   * caller's cancellation or deadline when its signal aborts.
   */
  async run<T>(call: (signal: AbortSignal) => Promise<T>, options: PolicyCallOptions): Promise<T> {
    const { signal } = options;
    throwIfAborted(signal);
    const attempt = wrap(this.breaker, this.bulkhead, this.attemptTimeoutWithin(signal));
    const policy = options.idempotent ? wrap(this.retryWithin(signal), attempt) : attempt;
    try {
      return await policy.execute(({ signal: attemptSignal }) =>
        linked(attemptSignal, signal, call),
      );
    } catch (error) {
      throw this.translate(error, signal);
    }
  }

  /**
   * The timeout of each attempt: the engine's own, cut to end just before the caller's
   * deadline when that leaves at least {@link minTimedAttemptMs}. An engine that hangs
   * then fails attempts by timeout, which its breaker counts, rather than leaving every
   * caller to run out of time (a cancellation, which it does not count). With less time
   * left the caller's deadline ends the attempt, so very short deadlines never count
   * against a healthy engine.
   */
  private attemptTimeoutWithin(signal: AbortSignal | undefined): IPolicy {
    const left = remainingMs(signal) - deadlineMarginMs;
    if (left >= this.settings.attemptTimeoutMs || left < minTimedAttemptMs) {
      return this.attemptTimeout;
    }
    return timeout(Math.floor(left), TimeoutStrategy.Aggressive);
  }

  /** The retry of one call: only transient failures, and only while its deadline allows. */
  private retryWithin(signal: AbortSignal | undefined): IPolicy {
    const { retries, backoff, attemptTimeoutMs } = this.settings;
    const roomFor = Math.min(attemptTimeoutMs, backoff.maxMs) + backoff.maxMs;
    const policy = retry(
      handleWhen(
        (error) =>
          (error instanceof TaskCancelledError ||
            (!isCancellation(error) && this.settings.isTransient(error))) &&
          !(signal?.aborted ?? false) &&
          remainingMs(signal) > roomFor,
      ),
      {
        maxAttempts: retries,
        backoff: new ExponentialBackoff({
          initialDelay: backoff.initialMs,
          maxDelay: backoff.maxMs,
        }),
      },
    );
    policy.onRetry(() => this.events.retried?.(this.settings.engine));
    return policy;
  }

  private translate(error: unknown, signal: AbortSignal | undefined): unknown {
    const { engine } = this.settings;
    if (signal?.aborted) {
      try {
        throwIfAborted(signal);
      } catch (cancelled) {
        return cancelled;
      }
    }
    if (error instanceof BrokenCircuitError) {
      return new EngineUnavailableError(engine, {
        cause: error,
        retryAfterMs: this.settings.breaker.openMs,
      });
    }
    if (error instanceof BulkheadRejectedError) {
      return new EngineUnavailableError(engine, { cause: error, retryAfterMs: bulkheadRetryMs });
    }
    if (error instanceof TaskCancelledError)
      return new EngineTimeoutError(engine, { cause: error });
    return error;
  }
}

/**
 * Runs `call` with a signal that aborts when its attempt times out or its caller goes
 * away, and answers the caller at once when it goes away (a driver that ignores the
 * signal cannot hold it). The caller's signal is kept out of the policies, so that a
 * timeout they see (`TaskCancelledError`) is always the engine's, never a cancellation.
 */
async function linked<T>(
  attempt: AbortSignal,
  caller: AbortSignal | undefined,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  throwIfAborted(caller);
  if (caller === undefined) return call(attempt);
  const controller = new AbortController();
  const abort = () => controller.abort(caller.aborted ? caller.reason : attempt.reason);
  attempt.addEventListener("abort", abort, { once: true });
  caller.addEventListener("abort", abort, { once: true });
  try {
    return await abortable(call(controller.signal), caller);
  } catch (error) {
    throwIfAborted(caller);
    throw error;
  } finally {
    attempt.removeEventListener("abort", abort);
    caller.removeEventListener("abort", abort);
  }
}

/** How long before the caller's deadline an attempt is ended as a timeout of the engine. */
const deadlineMarginMs = 100;
/** The least time an attempt must have had for its timeout to count against the engine. */
const minTimedAttemptMs = 1_000;

/** The retry delay suggested to a caller refused by a full bulkhead. */
const bulkheadRetryMs = 100;

/** The caller's cancellation or deadline: never the engine's fault, never retried. */
function isCancellation(error: unknown): boolean {
  return error instanceof CancelledError || error instanceof EngineTimeoutError;
}

function stateName(state: CircuitState): BreakerState {
  if (state === CircuitState.Closed) return "closed";
  if (state === CircuitState.HalfOpen) return "half-open";
  return "open";
}
