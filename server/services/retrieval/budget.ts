import { setSignalDeadline } from "../../../clients/resilience/deadline.js";

/** Shortest time kept back, before the deadline, to answer with what was gathered. */
export const minAnswerReserveMs = 10;
/** Longest time kept back to answer. */
export const maxAnswerReserveMs = 250;
/** Share of the time left at the start of the expansion kept back to answer. */
export const answerReserveShare = 0.1;

/**
 * The time allowed for the graph part of a Retrieve: a signal that aborts when the call's
 * own signal does, or when the deadline is so near that only the time to answer is left
 * (a tenth of the time remaining now, 10 to 250 ms). `expired()` tells the second case
 * from the first: the expansion stops and the hits are answered, marked partial.
 * `release()` clears the timer once the expansion is over.
 */
export interface ExpansionBudget {
  readonly signal: AbortSignal;
  /** True once the budget ran out while the call itself goes on. */
  expired(): boolean;
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
  if (deadline !== undefined) {
    const remaining = deadline - now;
    const reserve = Math.min(
      maxAnswerReserveMs,
      Math.max(minAnswerReserveMs, remaining * answerReserveShare),
    );
    const expire = () => {
      timedOut = true;
      controller.abort(new Error("the expansion ran out of time"));
    };
    setSignalDeadline(controller.signal, deadline - reserve);
    if (remaining - reserve <= 0) expire();
    else timer = setTimeout(expire, remaining - reserve);
  }
  return {
    signal: controller.signal,
    expired: () => timedOut && !callSignal.aborted,
    release() {
      clearTimeout(timer);
      callSignal.removeEventListener("abort", stop);
    },
  };
}
