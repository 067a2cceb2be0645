import type { Logger } from "pino";
import { EngineUnavailableError, throwIfAborted } from "../../clients/errors.js";
import { FollowedTopic } from "../../clients/events/followed-topic.js";
import type { EventLog, StoredEvent } from "../../clients/events/port.js";
/** The reserved tenant of control-plane topics; real tenants never start with `_`. */
import { systemTenant } from "../tenant.js";
import { type ApiKeyChange, decodeChange, encodeChange } from "./codec.js";
import { ApiKeyExistsError, ApiKeyNotFoundError } from "./errors.js";
import { KeyTable } from "./key-table.js";
import { decodeKeyPageToken, encodeKeyPageToken } from "./page-token.js";
import type { ApiKeyPage, ApiKeyPageRequest, ApiKeyRecord, ApiKeyStore } from "./port.js";

export { systemTenant };
/** The topic, under the system tenant, that holds every change to every key. */
export const apiKeysTopic = "api-keys";

/** What {@link LogApiKeyStore.open} needs. */
export interface LogApiKeyStoreOptions {
  /** The event log shared by every replica (embedded SQLite or Kafka). */
  readonly events: EventLog;
  /** Where failures of the background follower are reported. */
  readonly logger: Logger;
  /** First pause before following again after a failure, in ms. Default 250. */
  readonly retryMinMs?: number;
  /** Longest pause between attempts to follow again, in ms. Default 10 000. */
  readonly retryMaxMs?: number;
  /** Aborts `open` while it creates the topic or catches up. */
  readonly signal?: AbortSignal;
}

/**
 * The `ApiKeyStore` on the event log (see ARCHITECTURE.md, control-plane data). Every
 * change is appended to one single-partition topic as the key's whole record; every
 * replica reads the topic from the beginning into memory and keeps following it, so a
 * revocation made on one replica reaches all of them as fast as the log delivers.
 * `create` and `revoke` resolve once their own event has been applied here.
 */
export class LogApiKeyStore implements ApiKeyStore {
  readonly #logger: Logger;
  readonly #table = new KeyTable();
  readonly #log: FollowedTopic;
  #closed = false;

  private constructor(options: LogApiKeyStoreOptions) {
    this.#logger = options.logger;
    this.#log = new FollowedTopic({
      events: options.events,
      tenant: systemTenant,
      topic: apiKeysTopic,
      what: "api keys",
      apply: (event) => this.#apply(event),
      logger: options.logger,
      ...(options.retryMinMs === undefined ? {} : { retryMinMs: options.retryMinMs }),
      ...(options.retryMaxMs === undefined ? {} : { retryMaxMs: options.retryMaxMs }),
    });
  }

  /**
   * Creates the topic if it is missing, starts following it and resolves once every
   * change stored before the call has been applied. Throws the log's domain errors, and
   * `PreconditionError` if the topic exists with more than one partition.
   */
  static async open(options: LogApiKeyStoreOptions): Promise<LogApiKeyStore> {
    const store = new LogApiKeyStore(options);
    await store.#log.ensureTopic(options.signal);
    store.#log.follow();
    try {
      await store.#log.caughtUp(options.signal);
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  async create(record: ApiKeyRecord, signal?: AbortSignal): Promise<void> {
    this.#checkOpen(signal);
    if (this.#table.get(record.id) !== undefined) throw new ApiKeyExistsError(record.id);
    await this.#write({ type: "created", record }, signal);
    if (this.#table.get(record.id)?.hash !== record.hash) throw new ApiKeyExistsError(record.id);
  }

  get(id: string): ApiKeyRecord | undefined {
    return this.#table.get(id);
  }

  async list(page: ApiKeyPageRequest, signal?: AbortSignal): Promise<ApiKeyPage> {
    this.#checkOpen(signal);
    const start = page.pageToken ? decodeKeyPageToken(page.pageToken) : 0;
    if (start === undefined) throw new RangeError("pageToken is not one that list returned");
    const result = this.#table.page({ tenant: page.tenant, limit: page.limit, start });
    return result.next === undefined
      ? { keys: result.keys }
      : { keys: result.keys, nextPageToken: encodeKeyPageToken(result.next) };
  }

  async revoke(id: string, at: number, signal?: AbortSignal): Promise<ApiKeyRecord> {
    this.#checkOpen(signal);
    const existing = this.#table.get(id);
    if (existing === undefined) throw new ApiKeyNotFoundError(id);
    if (existing.revokedAt !== undefined) return existing;
    await this.#write({ type: "revoked", record: { ...existing, revokedAt: at } }, signal);
    return this.#table.get(id) ?? existing;
  }

  isEmpty(): boolean {
    return this.#table.size === 0;
  }

  /** Stops following the log; pending writes fail with `EngineUnavailableError`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#log.close();
  }

  /** Appends a change and waits until the follower has applied it. */
  #write(change: ApiKeyChange, signal: AbortSignal | undefined): Promise<void> {
    return this.#log.append(encodeChange(change), signal);
  }

  #apply(event: StoredEvent): void {
    const decoded = decodeChange(event);
    if (decoded.kind === "valid") {
      this.#table.apply(decoded.change);
    } else {
      this.#logger.error(
        { eventId: event.id, offset: event.offset.toString(), reason: decoded.reason },
        "api keys: skipping an unreadable change",
      );
    }
  }

  #checkOpen(signal: AbortSignal | undefined): void {
    if (this.#closed) throw new EngineUnavailableError("api key store (closed)");
    throwIfAborted(signal);
  }
}
