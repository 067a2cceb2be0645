import { abortable } from "../../signals.js";

/**
 * Runs the write transactions of one tenant one at a time in this process. A tenant's
 * writes lock the nodes they share (entities mentioned again and again); run side by
 * side they deadlock, and Neo4j aborts one to be retried, wasting the work of both. One
 * at a time, each finds its nodes free. Writes of different tenants, and of other
 * replicas, still run side by side (deadlocks between replicas are retried). A caller
 * that gives up while waiting leaves the queue at once.
 */
export class TenantWriteQueue {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `work` after every earlier write of `tenant` has settled. */
  async run<T>(
    tenant: string,
    signal: AbortSignal | undefined,
    work: () => Promise<T>,
  ): Promise<T> {
    const previous = this.#tails.get(tenant) ?? Promise.resolve();
    let release = (): void => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.#tails.set(tenant, tail);
    try {
      await abortable(previous, signal);
      return await work();
    } finally {
      release();
      if (this.#tails.get(tenant) === tail) this.#tails.delete(tenant);
    }
  }
}
