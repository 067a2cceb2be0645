import { setImmediate as nextTurn } from "node:timers/promises";
import type { Logger } from "pino";
import { positiveInteger } from "../../clients/options.js";
import type { AuditLog } from "../../security/audit/port.js";
import type { RetentionRecorder } from "./recorder.js";
import type { RetentionSource, RetentionTarget } from "./sources.js";

/** Items deleted per engine call unless configured. */
export const defaultSweepBatchSize = 500;
/** Batches per target and sweep unless configured. */
export const defaultSweepMaxBatches = 200;

/** Options of {@link RetentionSweeper}. */
export interface RetentionSweeperOptions {
  readonly sources: readonly RetentionSource[];
  readonly logger: Logger;
  /** Where each sweep that removed something is recorded; none when absent. */
  readonly audit?: AuditLog;
  /** Where counts and timings go; none when absent. */
  readonly recorder?: RetentionRecorder;
  /** Time between the end of one sweep and the start of the next, in ms. */
  readonly intervalMs: number;
  /** Items deleted per engine call, so no call holds an engine for long. Default {@link defaultSweepBatchSize}. */
  readonly batchSize?: number;
  /**
   * Batches per target and sweep; what is left waits for the next sweep, so one large
   * backlog never holds up the other targets. Default {@link defaultSweepMaxBatches}.
   */
  readonly maxBatches?: number;
  /** The clock (ms since the epoch); `Date.now` by default. */
  readonly now?: () => number;
}

/** What one sweep did. */
export interface SweepReport {
  /** Items (points and nodes) deleted. */
  readonly removed: number;
  /** Targets whose listing or deletes failed (tried again by the next sweep). */
  readonly failures: number;
}

/**
 * Deletes what has outlived its maximum age: for every collection and label with one,
 * the items last written before (sweep start − maximum age), in batches of `batchSize`
 * with a turn of the event loop between them. Deletes are idempotent, so replicas may
 * sweep at the same time: one finds what another already removed gone. A failure is
 * logged and counted and the sweep goes on with the next target; the next sweep retries
 * it. A target that removed something is recorded in the audit trail as `data.delete`
 * (tenant, collection or label, counts; never ids or payloads).
 */
export class RetentionSweeper {
  readonly #options: RetentionSweeperOptions;
  readonly #batchSize: number;
  readonly #maxBatches: number;
  readonly #now: () => number;
  readonly #stop = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<SweepReport> | undefined;

  constructor(options: RetentionSweeperOptions) {
    this.#options = options;
    this.#batchSize = positiveInteger(options.batchSize ?? defaultSweepBatchSize, "batchSize");
    this.#maxBatches = positiveInteger(options.maxBatches ?? defaultSweepMaxBatches, "maxBatches");
    positiveInteger(options.intervalMs, "intervalMs");
    this.#now = options.now ?? Date.now;
  }

  /** Sweeps every `intervalMs`, the first time one interval from now. */
  start(): void {
    if (this.#timer !== undefined || this.#stop.signal.aborted) return;
    this.#schedule();
  }

  /** Stops the timer and waits for a sweep under way, which stops at its next batch. */
  async stop(): Promise<void> {
    this.#stop.abort();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** Runs one sweep now (or joins the one under way). */
  sweep(): Promise<SweepReport> {
    this.#running ??= this.#sweep().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      void this.sweep().finally(() => {
        if (!this.#stop.signal.aborted) this.#schedule();
      });
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  async #sweep(): Promise<SweepReport> {
    const signal = this.#stop.signal;
    const started = this.#now();
    const startedAt = performance.now();
    let removed = 0;
    let failures = 0;
    for (const source of this.#options.sources) {
      if (signal.aborted) break;
      let targets: RetentionTarget[];
      try {
        targets = await source.targets(signal);
      } catch (error) {
        failures += 1;
        this.#failed(source.kind, error, { kind: source.kind });
        continue;
      }
      for (const target of targets) {
        if (signal.aborted) break;
        const outcome = await this.#expire(source, target, started - target.maxAgeMs, signal);
        removed += outcome.items;
        if (!outcome.ok) failures += 1;
      }
    }
    this.#options.recorder?.swept(this.#now(), (performance.now() - startedAt) / 1000);
    return { removed, failures };
  }

  async #expire(
    source: RetentionSource,
    target: RetentionTarget,
    beforeMs: number,
    signal: AbortSignal,
  ): Promise<{ items: number; ok: boolean }> {
    let items = 0;
    let relationships = 0;
    let ok = true;
    try {
      for (let batch = 0; batch < this.#maxBatches && !signal.aborted; batch++) {
        const removed = await source.deleteBatch(target, beforeMs, this.#batchSize, signal);
        items += removed.items;
        relationships += removed.relationships;
        if (removed.items < this.#batchSize) break;
        await nextTurn();
      }
    } catch (error) {
      ok = false;
      if (!signal.aborted) {
        this.#failed(target.kind, error, {
          kind: target.kind,
          tenant: target.tenant,
          name: target.name,
        });
      }
    }
    if (items > 0 || relationships > 0) this.#report(target, items, relationships);
    return { items, ok };
  }

  #report(target: RetentionTarget, items: number, relationships: number): void {
    const recorder = this.#options.recorder;
    if (target.kind === "collection") recorder?.removed("points", items);
    else {
      recorder?.removed("nodes", items);
      recorder?.removed("relationships", relationships);
    }
    const details: Record<string, string> =
      target.kind === "collection"
        ? { collection: target.name, points: String(items) }
        : { label: target.name, nodes: String(items), relationships: String(relationships) };
    this.#options.audit?.record({
      time: this.#now(),
      type: "data.delete",
      tenant: target.tenant,
      principal: "",
      method: "",
      peer: "",
      requestId: "",
      reason: "retention",
      details: { ...details, maxAgeMs: String(target.maxAgeMs) },
    });
    this.#options.logger.info(
      { tenant: target.tenant, [target.kind]: target.name, items, relationships },
      "retention sweep removed expired items",
    );
  }

  #failed(kind: RetentionTarget["kind"], error: unknown, context: Record<string, string>): void {
    this.#options.recorder?.failed(kind);
    this.#options.logger.warn(
      { err: error, ...context },
      "retention sweep failed; the next sweep tries again",
    );
  }
}
