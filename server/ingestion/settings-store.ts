import type { StoredEvent } from "../../clients/events/port.js";
import { ControlTopicStore, type ControlTopicStoreOptions } from "../control-topic-store.js";
import type { IngestionSettings } from "./settings.js";
import { decodeSettingsChange, encodeSettingsChange } from "./settings-codec.js";

/** The topic, under the system tenant, that holds every change to every ingestion. */
export const ingestionSettingsTopic = "ingestions";

/** Called with a topic's settings after each change (undefined once deleted). */
export type SettingsListener = (
  tenant: string,
  topic: string,
  settings: IngestionSettings | undefined,
) => void;

/** What {@link IngestionSettingsStore} needs. */
export type IngestionSettingsStoreOptions = ControlTopicStoreOptions;

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
export class IngestionSettingsStore extends ControlTopicStore<SettingsListener> {
  readonly #table = new Map<string, IngestionSettings>();

  constructor(options: IngestionSettingsStoreOptions) {
    super(options, ingestionSettingsTopic, "ingestion settings");
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
    await this.append(encodeSettingsChange({ kind: "put", settings }), signal);
    return this.get(settings.tenant, settings.topic) ?? settings;
  }

  /** Deletes a topic's ingestion; resolves with false when it had none. */
  async delete(tenant: string, topic: string, signal?: AbortSignal): Promise<boolean> {
    const existing = this.get(tenant, topic);
    if (existing === undefined) return false;
    await this.append(
      encodeSettingsChange({ kind: "deleted", tenant, topic, generation: existing.generation }),
      signal,
    );
    return true;
  }

  protected apply(event: StoredEvent): void {
    const decoded = decodeSettingsChange(event);
    if (decoded.kind === "invalid") {
      this.logger.error(
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
      if (after !== current) this.notify(tenant, topic, after);
    }
  }
}

function keyOf(tenant: string, topic: string): string {
  return `${tenant}\u0000${topic}`;
}
