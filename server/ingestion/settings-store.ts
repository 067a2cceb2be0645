import type { Logger } from "pino";
import { EngineUnavailableError, throwIfAborted } from "../../clients/errors.js";
import { FollowedTopic } from "../../clients/events/followed-topic.js";
import type { EventLog, StoredEvent } from "../../clients/events/port.js";
import { systemTenant } from "../../security/tenant.js";
import type { IngestionSettings } from "./settings.js";
import {
  decodeSettingsChange,
  encodeSettingsChange,
  type SettingsChange,
} from "./settings-codec.js";

/** The topic, under the system tenant, that holds every change to every ingestion. */
export const ingestionSettingsTopic = "ingestions";

/** Called with a topic's settings after each change (undefined once deleted). */
export type SettingsListener = (
  tenant: string,
  topic: string,
  settings: IngestionSettings | undefined,
) => void;

/** What {@link IngestionSettingsStore} needs. */
export interface IngestionSettingsStoreOptions {
  /** The event log shared by every replica. */
  readonly events: EventLog;
  /** Where failures of the background follower are reported. */
  readonly logger: Logger;
  /** First pause before following again after a failure, in ms. Default 250. */
  readonly retryMinMs?: number;
  /** Longest pause between attempts to follow again, in ms. Default 10 000. */
  readonly retryMaxMs?: number;
}

/** One page of a tenant's ingestions. */
export interface SettingsPage {
  readonly items: readonly IngestionSettings[];
  /** The last topic of this page when more follow. */
  readonly nextAfter?: string;
}

/**
 * Every tenant's ingestion settings, durable and shared by the replicas the way API keys
 * are (ARCHITECTURE.md, control-plane data): each change is appended to one
 * single-partition topic of the system tenant, and every replica reads it from the
 * beginning into memory and keeps following it, so a Put or Delete on one replica reaches
 * the others as fast as the log delivers. Writes resolve once applied here.
 */
export class IngestionSettingsStore {
  readonly #logger: Logger;
  readonly #log: FollowedTopic;
  readonly #table = new Map<string, IngestionSettings>();
  readonly #listeners = new Set<SettingsListener>();
  #closed = false;

  constructor(options: IngestionSettingsStoreOptions) {
    this.#logger = options.logger;
    this.#log = new FollowedTopic({
      events: options.events,
      tenant: systemTenant,
      topic: ingestionSettingsTopic,
      what: "ingestion settings",
      apply: (event) => this.#apply(event),
      logger: options.logger,
      ...(options.retryMinMs === undefined ? {} : { retryMinMs: options.retryMinMs }),
      ...(options.retryMaxMs === undefined ? {} : { retryMaxMs: options.retryMaxMs }),
    });
  }

  /**
   * Starts following the log (creating its topic when missing) and resolves once every
   * change stored before the call has been applied. Later calls return the same promise.
   * A failure is retried in the background; the promise then resolves once caught up.
   */
  start(): Promise<void> {
    return this.#log.start();
  }

  /**
   * Resolves once caught up with the log (see {@link start}). While the log cannot be
   * read (the last attempt failed) it rejects at once with `EngineUnavailableError`;
   * when `signal` aborts first, with the signal's domain error.
   */
  async ready(signal?: AbortSignal): Promise<void> {
    this.#checkOpen(signal);
    await this.#log.ready(signal);
  }

  /** A topic's settings, when it has an ingestion. */
  get(tenant: string, topic: string): IngestionSettings | undefined {
    return this.#table.get(keyOf(tenant, topic));
  }

  /** Every ingestion of every tenant. */
  all(): IngestionSettings[] {
    return [...this.#table.values()];
  }

  /** A tenant's ingestions in topic order (byte order), `limit` after `after`. */
  page(tenant: string, limit: number, after = ""): SettingsPage {
    const topics = this.all()
      .filter((settings) => settings.tenant === tenant && settings.topic > after)
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
    const items = topics.slice(0, limit);
    const last = items.at(-1);
    return topics.length > limit && last ? { items, nextAfter: last.topic } : { items };
  }

  /** Stores a topic's settings and resolves with them once applied. */
  async put(settings: IngestionSettings, signal?: AbortSignal): Promise<IngestionSettings> {
    await this.#write({ kind: "put", settings }, signal);
    return this.get(settings.tenant, settings.topic) ?? settings;
  }

  /** Deletes a topic's ingestion; resolves with false when it had none. */
  async delete(tenant: string, topic: string, signal?: AbortSignal): Promise<boolean> {
    const existing = this.get(tenant, topic);
    if (existing === undefined) return false;
    await this.#write({ kind: "deleted", tenant, topic, generation: existing.generation }, signal);
    return true;
  }

  /** Calls `listener` after every change applied from now on; returns what unsubscribes it. */
  onChange(listener: SettingsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops following the log; pending writes fail with `EngineUnavailableError`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#log.close();
  }

  async #write(change: SettingsChange, signal: AbortSignal | undefined): Promise<void> {
    await this.ready(signal);
    await this.#log.append(encodeSettingsChange(change), signal);
  }

  #apply(event: StoredEvent): void {
    const decoded = decodeSettingsChange(event);
    if (decoded.kind === "invalid") {
      this.#logger.error(
        { eventId: event.id, offset: event.offset.toString(), reason: decoded.reason },
        "ingestion settings: skipping an unreadable change",
      );
    } else {
      const { change } = decoded;
      const { tenant, topic } = change.kind === "put" ? change.settings : change;
      const key = keyOf(tenant, topic);
      const current = this.#table.get(key);
      if (change.kind === "put") this.#table.set(key, change.settings);
      else if (current?.generation === change.generation) this.#table.delete(key);
      const after = this.#table.get(key);
      if (after !== current) {
        for (const listener of this.#listeners) listener(tenant, topic, after);
      }
    }
  }

  #checkOpen(signal: AbortSignal | undefined): void {
    if (this.#closed) throw new EngineUnavailableError("ingestion settings (closed)");
    throwIfAborted(signal);
  }
}

function keyOf(tenant: string, topic: string): string {
  return `${tenant}\u0000${topic}`;
}
