import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { FollowedTopic } from "../../clients/events/followed-topic.js";
import type { EventLog, StoredEvent } from "../../clients/events/port.js";
import { systemTenant } from "../tenant.js";

/** The topic, under the system tenant, that holds every change of tenants' audit settings. */
export const auditSettingsTopic = "audit-settings";

/** A tenant's audit settings. */
export interface TenantAuditSettings {
  readonly tenant: string;
  /** Reads (Search, Get, Subscribe, …) are recorded as `data.read`. Default false. */
  readonly readAuditing: boolean;
  /** When they last changed (epoch ms); 0 when never set. */
  readonly updatedAt: number;
  /** Who last changed them; "" when never set. */
  readonly updatedBy: string;
}

/** Answers, on the call path, whether a tenant's reads are audited. */
export interface ReadAuditing {
  /** True when `tenant` enabled read auditing. Never waits. */
  readsAudited(tenant: string): boolean;
}

/** What {@link TenantAuditSettingsStore} needs. */
export interface TenantAuditSettingsStoreOptions {
  /** The event log shared by every replica. */
  readonly events: EventLog;
  /** Where unreadable changes and failures of the follower are reported. */
  readonly logger: Logger;
}

const utf8 = new TextEncoder();
const text = new TextDecoder("utf-8", { fatal: true });

/**
 * Every tenant's audit settings, durable and shared by the replicas the way API keys and
 * ingestion settings are: each change is appended to one single-partition topic of the
 * system tenant that every replica follows into memory. `readsAudited` is a map lookup.
 * Until the log has been read, no tenant's reads are audited.
 */
export class TenantAuditSettingsStore implements ReadAuditing {
  readonly #logger: Logger;
  readonly #log: FollowedTopic;
  readonly #table = new Map<string, TenantAuditSettings>();

  constructor(options: TenantAuditSettingsStoreOptions) {
    this.#logger = options.logger;
    this.#log = new FollowedTopic({
      events: options.events,
      tenant: systemTenant,
      topic: auditSettingsTopic,
      what: "audit settings",
      apply: (event) => this.#apply(event),
      logger: options.logger,
    });
  }

  /**
   * Creates the topic when missing, follows it and resolves once caught up, retrying
   * failures in the background until closed. Later calls return the same promise.
   */
  start(): Promise<void> {
    return this.#log.start();
  }

  readsAudited(tenant: string): boolean {
    return this.#table.get(tenant)?.readAuditing === true;
  }

  /** A tenant's settings (the defaults when it never set any), once caught up. */
  async get(tenant: string, signal?: AbortSignal): Promise<TenantAuditSettings> {
    await this.#started(signal);
    return this.#table.get(tenant) ?? { tenant, readAuditing: false, updatedAt: 0, updatedBy: "" };
  }

  /** Stores a tenant's settings and resolves with them once applied on this replica. */
  async put(settings: TenantAuditSettings, signal?: AbortSignal): Promise<TenantAuditSettings> {
    await this.#started(signal);
    await this.#log.append(
      {
        id: randomUUID(),
        key: settings.tenant,
        payload: utf8.encode(JSON.stringify(settings)),
        contentType: "application/json",
      },
      signal,
    );
    return this.#table.get(settings.tenant) ?? settings;
  }

  /** Stops following the log. */
  close(): Promise<void> {
    return this.#log.close();
  }

  /** Waits until caught up; while the log cannot be read, UNAVAILABLE at once. */
  #started(signal: AbortSignal | undefined): Promise<void> {
    return this.#log.ready(signal);
  }

  #apply(event: StoredEvent): void {
    const settings = decodeSettings(event);
    if (settings === undefined) {
      this.#logger.error(
        { eventId: event.id, offset: event.offset.toString() },
        "audit settings: skipping an unreadable change",
      );
      return;
    }
    this.#table.set(settings.tenant, settings);
  }
}

function decodeSettings(event: StoredEvent): TenantAuditSettings | undefined {
  try {
    const value: unknown = JSON.parse(text.decode(event.payload));
    if (typeof value !== "object" || value === null) return undefined;
    const { tenant, readAuditing, updatedAt, updatedBy } = value as Record<string, unknown>;
    if (typeof tenant !== "string" || typeof readAuditing !== "boolean") return undefined;
    if (typeof updatedAt !== "number" || typeof updatedBy !== "string") return undefined;
    return { tenant, readAuditing, updatedAt, updatedBy };
  } catch {
    return undefined;
  }
}
