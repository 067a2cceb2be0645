import type { AuditEvent, AuditLog } from "./port.js";

interface Window {
  readonly event: AuditEvent;
  readonly until: number;
  repeats: number;
}

/** Windows kept beyond which ended ones are flushed as the map grows. */
const flushAbove = 10_000;

/**
 * Aggregates repeated audit events: the first event of a key (caller, RPC and reason, say)
 * in a period is recorded at once; repeats within the period are counted, and one summary
 * event with `details.repeats` (and `details.periodMs`) follows when the period ends. So a
 * flood of refused calls costs the trail two events per key and period, and loses no count.
 */
export class AuditAggregator {
  readonly #windows = new Map<string, Window>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly audit: AuditLog,
    private readonly periodMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#timer = setInterval(() => this.flush(), periodMs);
    this.#timer.unref();
  }

  /** Records `event` under `key`, or counts it when the key was recorded in this period. */
  record(key: string, event: AuditEvent): void {
    const now = this.now();
    const open = this.#windows.get(key);
    if (open !== undefined && open.until > now) {
      open.repeats += 1;
      return;
    }
    if (open !== undefined) this.#summarize(key, open);
    if (this.#windows.size >= flushAbove) this.flush();
    this.#windows.set(key, { event, until: now + this.periodMs, repeats: 0 });
    this.audit.record(event);
  }

  /** Writes the summaries of the periods that have ended. */
  flush(): void {
    const now = this.now();
    for (const [key, window] of this.#windows) {
      if (window.until <= now) this.#summarize(key, window);
    }
  }

  /** Writes every pending summary and stops the timer. */
  close(): void {
    clearInterval(this.#timer);
    for (const [key, window] of this.#windows) this.#summarize(key, window);
  }

  #summarize(key: string, window: Window): void {
    this.#windows.delete(key);
    if (window.repeats === 0) return;
    this.audit.record({
      ...window.event,
      time: this.now(),
      requestId: "",
      details: {
        ...window.event.details,
        repeats: String(window.repeats),
        periodMs: String(this.periodMs),
      },
    });
  }
}
