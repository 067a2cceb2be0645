import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { NotFoundError, PreconditionError } from "../../clients/errors.js";
import type { ConsumedBatch } from "../../clients/events/port.js";
import { type ProjectionStores, projectBatch } from "./project-batch.js";
import type { IngestionRecorder } from "./recorder.js";
import { type IngestionSettings, ingestionGroup } from "./settings.js";
import type { IngestionSettingsStore } from "./settings-store.js";

/** What the projector needs. */
export interface ProjectorOptions {
  /** The stores it reads events from and writes chunks to. */
  readonly stores: ProjectionStores;
  /** The ingestions to run, followed as they change. */
  readonly settings: IngestionSettingsStore;
  readonly logger: Logger;
  /** Where its counts go; none when absent. */
  readonly recorder?: IngestionRecorder;
  /** Most events projected as one batch. Default 256. */
  readonly batchEvents?: number;
  /** First pause before a failed batch or consumer is tried again, in ms. Default 200. */
  readonly retryMinMs?: number;
  /** Longest such pause, in ms. Default 10 000. */
  readonly retryMaxMs?: number;
}

/** One ingestion being projected. */
interface Runner {
  settings: IngestionSettings;
  readonly stop: AbortController;
  done: Promise<void>;
}

/**
 * Runs every configured ingestion in this process: one consumer-group member per topic
 * (see `EventLog.consume`), so that on Kafka the replicas share each topic's partitions
 * and on the embedded log this process projects them all. Follows the settings: a new
 * ingestion starts a member, a replaced one carries on with its new targets from the next
 * batch, a deleted one stops (and its group is forgotten once no member is left).
 */
export class Projector {
  readonly #options: ProjectorOptions;
  readonly #runners = new Map<string, Runner>();
  #unsubscribe: (() => void) | undefined;
  #stopped = false;

  constructor(options: ProjectorOptions) {
    this.#options = options;
  }

  /** Starts projecting every ingestion once the settings have caught up. */
  async start(): Promise<void> {
    try {
      await this.#options.settings.start();
    } catch (error) {
      if (this.#stopped) return;
      throw error;
    }
    if (this.#stopped) return;
    this.#unsubscribe = this.#options.settings.onChange((tenant, topic, settings) =>
      this.#reconcile(tenant, topic, settings),
    );
    for (const settings of this.#options.settings.all()) {
      this.#reconcile(settings.tenant, settings.topic, settings);
    }
  }

  /** Stops every member, letting the batches in progress settle. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    const runners = [...this.#runners.values()];
    this.#runners.clear();
    for (const runner of runners) runner.stop.abort();
    await Promise.allSettled(runners.map((runner) => runner.done));
  }

  #reconcile(tenant: string, topic: string, settings: IngestionSettings | undefined): void {
    if (this.#stopped) return;
    const key = `${tenant}\u0000${topic}`;
    const runner = this.#runners.get(key);
    if (runner && settings?.generation === runner.settings.generation) {
      runner.settings = settings;
      return;
    }
    if (runner) {
      this.#runners.delete(key);
      runner.stop.abort();
      void runner.done.then(() => this.#forget(runner.settings));
    }
    if (settings) this.#runners.set(key, this.#run(settings));
  }

  #run(settings: IngestionSettings): Runner {
    const stop = new AbortController();
    const runner: Runner = { settings, stop, done: Promise.resolve() };
    runner.done = this.#member(runner);
    return runner;
  }

  /** Keeps a consumer-group member of the ingestion running until stopped. */
  async #member(runner: Runner): Promise<void> {
    const { stores, logger } = this.#options;
    const signal = runner.stop.signal;
    const retryMinMs = this.#options.retryMinMs ?? 200;
    const retryMaxMs = this.#options.retryMaxMs ?? 10_000;
    const { tenant, topic } = runner.settings;
    let delay = retryMinMs;
    while (!signal.aborted) {
      try {
        await stores.events.consume(
          tenant,
          topic,
          ingestionGroup(runner.settings),
          (batch, batchSignal) => this.#project(runner, batch, batchSignal),
          {
            maxBatchEvents: this.#options.batchEvents ?? 256,
            retryMinMs,
            retryMaxMs,
            onHandlerError: (error, batch) => {
              this.#options.recorder?.batchFailed();
              logger.warn(
                { err: error, tenant, topic, partition: batch.partition },
                "ingestion: a batch failed and will be projected again",
              );
            },
          },
          signal,
        );
      } catch (error) {
        if (signal.aborted) return;
        const level = error instanceof NotFoundError ? "info" : "warn";
        logger[level](
          { err: error, tenant, topic, retryInMs: delay },
          "ingestion: consuming the topic failed; trying again",
        );
        await sleep(delay, undefined, { signal }).catch(() => undefined);
        delay = Math.min(delay * 2, retryMaxMs);
      }
    }
  }

  async #project(runner: Runner, batch: ConsumedBatch, signal: AbortSignal): Promise<void> {
    const outcome = await projectBatch(this.#options.stores, runner.settings, batch, signal);
    const recorder = this.#options.recorder;
    recorder?.projected(outcome.projected);
    recorder?.skipped(outcome.skipped);
    for (const poison of outcome.poisons) {
      recorder?.deadLettered(poison.kind, 1);
      this.#options.logger.info(
        {
          tenant: runner.settings.tenant,
          topic: runner.settings.topic,
          partition: poison.event.partition,
          offset: poison.event.offset.toString(),
          reason: poison.reason,
        },
        "ingestion: an event went to the dead-letter topic",
      );
    }
  }

  /** Forgets a stopped ingestion's group; a member left on another replica keeps it for now. */
  async #forget(settings: IngestionSettings): Promise<void> {
    const current = this.#options.settings.get(settings.tenant, settings.topic);
    if (current?.generation === settings.generation) return;
    try {
      const { tenant, topic } = settings;
      await this.#options.stores.events.deleteGroup(tenant, topic, ingestionGroup(settings));
    } catch (error) {
      if (!(error instanceof PreconditionError || error instanceof NotFoundError)) {
        this.#options.logger.debug({ err: error }, "ingestion: could not forget a group");
      }
    }
  }
}
