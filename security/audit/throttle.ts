/** Remembered keys beyond which expired ones are swept. */
const sweepAbove = 10_000;

/**
 * Lets an audit event through once per key and period, so that a client hammering a
 * spent budget or a wrong credential cannot flood the trail. Memory stays bounded by the
 * keys seen within one period (expired keys are swept as the map grows).
 */
export class AuditThrottle {
  readonly #until = new Map<string, number>();

  /** True when `key` was not let through in the last period; then blocks it for `periodMs`. */
  admit(key: string, now: number, periodMs: number): boolean {
    if ((this.#until.get(key) ?? 0) > now) return false;
    if (this.#until.size >= sweepAbove) {
      for (const [seen, until] of this.#until) if (until <= now) this.#until.delete(seen);
    }
    this.#until.set(key, now + periodMs);
    return true;
  }
}
