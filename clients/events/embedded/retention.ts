import { setImmediate as nextTurn } from "node:timers/promises";
import type { Statements } from "./statements.js";

/** Rows deleted per statement, so a large backlog never blocks the event loop for long. */
const chunkRows = 1000;

/**
 * Deletes every event appended longer ago than its topic's retention (topics with
 * retention 0 keep everything), in chunks with a turn of the event loop between them.
 * `run` guards each statement (closed log, SQLite errors). Returns how many were deleted.
 */
export async function sweepExpired(
  statements: Statements,
  run: <T>(query: () => T) => T,
  now: number,
): Promise<number> {
  let deleted = 0;
  for (const topic of run(() => statements.topicsWithRetention.all())) {
    const cutoff = now - topic.retention_ms;
    for (;;) {
      const { changes } = run(() =>
        statements.deleteExpired.run(topic.topic_id, cutoff, chunkRows),
      );
      deleted += changes;
      if (changes < chunkRows) break;
      await nextTurn();
    }
  }
  return deleted;
}

/**
 * Runs `sweep` every `intervalMs` on an unref'd timer (it never keeps the process alive),
 * never two at a time. Failures go to `onError`; the next tick tries again. Returns the
 * function that stops it.
 */
export function scheduleSweeps(
  intervalMs: number,
  sweep: () => Promise<unknown>,
  onError: (error: unknown) => void,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void sweep()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
