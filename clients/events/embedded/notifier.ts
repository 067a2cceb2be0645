/**
 * In-process wake-ups for followers, one version counter per topic.
 *
 * A follower reads `version(topic)` before it queries, and after an empty page waits for
 * a version other than the one it saw. An append that lands between the query and the
 * wait has already bumped the version, so the wait returns at once: no event is missed,
 * and no polling delay is needed.
 */
export class AppendNotifier {
  readonly #versions = new Map<number, number>();
  readonly #waiters = new Map<number, Set<() => void>>();
  #closed = false;

  /** The topic's current version; it grows with every append to the topic. */
  version(topicId: number): number {
    return this.#versions.get(topicId) ?? 0;
  }

  /** Records an append to the topic and wakes its waiters. */
  notify(topicId: number): void {
    this.#versions.set(topicId, this.version(topicId) + 1);
    const waiters = this.#waiters.get(topicId);
    if (!waiters) return;
    this.#waiters.delete(topicId);
    for (const wake of waiters) wake();
  }

  /**
   * Resolves when the topic's version differs from `seen`, when `signal` aborts, when
   * `timeoutMs` passes, or when the notifier closes, whichever comes first. Never rejects;
   * the caller checks what happened.
   */
  wait(topicId: number, seen: number, signal: AbortSignal, timeoutMs: number): Promise<void> {
    if (this.#closed || signal.aborted || this.version(topicId) !== seen) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        const waiters = this.#waiters.get(topicId);
        waiters?.delete(done);
        if (waiters?.size === 0) this.#waiters.delete(topicId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener("abort", done, { once: true });
      let waiters = this.#waiters.get(topicId);
      if (!waiters) {
        waiters = new Set();
        this.#waiters.set(topicId, waiters);
      }
      waiters.add(done);
    });
  }

  /** Wakes every waiter and makes later waits return at once. */
  close(): void {
    this.#closed = true;
    const all = [...this.#waiters.values()];
    this.#waiters.clear();
    for (const waiters of all) for (const wake of waiters) wake();
  }
}
