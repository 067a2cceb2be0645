import type { Message } from "@bufbuild/protobuf";
import type { CallOutput } from "./call.js";

/** What {@link observeOutcome} reports about a call as it ends. */
export interface OutcomeObserver {
  /** Each response message: the one of a unary call, or every message of a stream. */
  message?(message: Message, streamed: boolean): void;
  /**
   * The outcome, once: `ok`, the error's class name, or `cancelled` for a stream the
   * client left before its end.
   */
  done(outcome: string): void;
}

/**
 * Passes a call's output through and reports its outcome when the call has really ended:
 * a unary call when it returns or throws, a stream when it closes (not when it starts).
 */
export async function observeOutcome(
  output: Promise<CallOutput>,
  observer: OutcomeObserver,
): Promise<CallOutput> {
  let result: CallOutput;
  try {
    result = await output;
  } catch (error) {
    observer.done(outcomeOf(error));
    throw error;
  }
  if (!result.stream) {
    observer.message?.(result.message, false);
    observer.done("ok");
    return result;
  }
  return { stream: true, messages: observed(result.messages, observer) };
}

async function* observed(
  source: AsyncIterable<Message>,
  observer: OutcomeObserver,
): AsyncGenerator<Message> {
  let outcome = "cancelled";
  try {
    for await (const message of source) {
      observer.message?.(message, true);
      yield message;
    }
    outcome = "ok";
  } catch (error) {
    outcome = outcomeOf(error);
    throw error;
  } finally {
    observer.done(outcome);
  }
}

function outcomeOf(error: unknown): string {
  return error instanceof Error ? error.name : "error";
}
