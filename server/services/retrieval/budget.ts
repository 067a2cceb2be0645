/** Shortest time kept back, before the deadline, to answer with what was gathered. */
export const minAnswerReserveMs = 20;
/** Longest fixed time kept back to answer. */
export const maxAnswerReserveMs = 250;
/** Share of the time left at the start of the expansion kept back to answer. */
export const answerReserveShare = 0.15;
/**
 * Time kept back per node the answer holds, to convert, encode and send it with its
 * relationships: 25 to 40 µs were measured on a busy two-core machine.
 */
export const answerMsPerNode = 0.05;

/**
 * The time allowed for the graph part of a Retrieve: a signal that aborts when the call's
 * own signal does, or when the deadline is so near that only the time to answer is left.
 * That time is 15 % of the time remaining at the start (20 to 250 ms), plus
 * {@link answerMsPerNode} for every node the answer holds so far, which the expansion
 * reports as it grows. `expired()` tells the second case from the first: the expansion
 * stops and the hits are answered, marked partial.
 *
 * Engines see the end of the budget as a cancellation, never as their own slowness: the
 * signal carries no deadline of its own, so engine policies do not cut attempts short at
 * it, and an expansion stopped early counts against no engine's circuit breaker.
 */
export interface ExpansionBudget {
  readonly signal: AbortSignal;
  /** True once the budget ran out while the call itself goes on. */
  expired(): boolean;
  /** The answer now holds about `nodes` nodes: the expansion must stop the earlier. */
  answerHolds(nodes: number): void;
  /** Clears the timer once the expansion is over. */
  release(): void;
}

/** The budget of an expansion starting now, within a call ending at `deadline` (epoch ms). */
export function expansionBudget(
  callSignal: AbortSignal,
  deadline: number | undefined,
  now = Date.now(),
): ExpansionBudget {
  const controller = new AbortController();
  const stop = () => controller.abort(callSignal.reason);
  if (callSignal.aborted) stop();
  else callSignal.addEventListener("abort", stop, { once: true });
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const expire = () => {
    if (controller.signal.aborted) return;
    timedOut = true;
    controller.abort(new Error("the expansion ran out of time"));
  };
  const fixedReserve =
    deadline === undefined
      ? 0
      : Math.min(
          maxAnswerReserveMs,
          Math.max(minAnswerReserveMs, (deadline - now) * answerReserveShare),
        );
  const arm = (nodes: number) => {
    if (deadline === undefined || controller.signal.aborted) return;
    clearTimeout(timer);
    const stopAt = deadline - fixedReserve - nodes * answerMsPerNode;
    const wait = stopAt - Date.now();
    if (wait <= 0) expire();
    else timer = setTimeout(expire, wait);
  };
  arm(0);
  return {
    signal: controller.signal,
    expired: () => timedOut && !callSignal.aborted,
    answerHolds: arm,
    release() {
      clearTimeout(timer);
      callSignal.removeEventListener("abort", stop);
    },
  };
}
