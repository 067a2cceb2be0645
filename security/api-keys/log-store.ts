import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import {
  AlreadyExistsError,
  EngineUnavailableError,
  NotFoundError,
  PreconditionError,
  throwIfAborted,
} from "../../clients/errors.js";
import type { EventLog, ReadStart, StoredEvent } from "../../clients/events/port.js";
/** The reserved tenant of control-plane topics; real tenants never start with `_`. */
import { systemTenant } from "../tenant.js";
import { AppliedOffsets } from "./applied.js";
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
  readonly #events: EventLog;
  readonly #logger: Logger;
  readonly #retryMinMs: number;
  readonly #retryMaxMs: number;
  readonly #table = new KeyTable();
  readonly #applied = new AppliedOffsets();
  readonly #stop = new AbortController();
  #following: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(options: LogApiKeyStoreOptions) {
    this.#events = options.events;
    this.#logger = options.logger;
    this.#retryMinMs = options.retryMinMs ?? 250;
    this.#retryMaxMs = options.retryMaxMs ?? 10_000;
  }

  /**
   * Creates the topic if it is missing, starts following it and resolves once every
   * change stored before the call has been applied. Throws the log's domain errors, and
   * `PreconditionError` if the topic exists with more than one partition.
   */
  static async open(options: LogApiKeyStoreOptions): Promise<LogApiKeyStore> {
    const store = new LogApiKeyStore(options);
    await ensureTopic(options.events, options.signal);
    store.#following = store.#follow();
    try {
      const [end = 0n] = await options.events.endOffsets(
        systemTenant,
        apiKeysTopic,
        options.signal,
      );
      if (end > 0n) await store.#applied.waitFor(0, end - 1n, options.signal);
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
    this.#stop.abort();
    this.#applied.fail(new EngineUnavailableError("api key store (closed)"));
    await this.#following;
  }

  /** Appends a change and waits until the follower has applied it. */
  async #write(change: ApiKeyChange, signal: AbortSignal | undefined): Promise<void> {
    const [ack] = await this.#events.append(
      systemTenant,
      apiKeysTopic,
      [encodeChange(change)],
      signal,
    );
    if (ack === undefined) throw new Error("the log acknowledged no event");
    await this.#applied.waitFor(ack.partition, ack.offset, signal);
  }

  /** Reads the topic into memory until closed; after a failure, waits and goes on. */
  async #follow(): Promise<void> {
    const signal = this.#stop.signal;
    let delay = this.#retryMinMs;
    while (!signal.aborted) {
      const next = this.#applied.next(0);
      const start: ReadStart =
        next === undefined ? { kind: "beginning" } : { kind: "offset", offset: next };
      try {
        for await (const event of this.#events.read(
          systemTenant,
          apiKeysTopic,
          { start, partition: 0 },
          signal,
        )) {
          this.#apply(event);
          delay = this.#retryMinMs;
        }
        throw new Error("the read of the api key log ended");
      } catch (error) {
        if (signal.aborted) return;
        this.#logger.warn(
          { err: error, retryInMs: delay },
          "api keys: following the log failed; retrying",
        );
        await sleep(delay, undefined, { signal }).catch(() => undefined);
        delay = Math.min(delay * 2, this.#retryMaxMs);
      }
    }
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
    this.#applied.advance(event.partition, event.offset);
  }

  #checkOpen(signal: AbortSignal | undefined): void {
    if (this.#closed) throw new EngineUnavailableError("api key store (closed)");
    throwIfAborted(signal);
  }
}

/** Makes sure the topic exists with the single partition that orders every change. */
async function ensureTopic(events: EventLog, signal: AbortSignal | undefined): Promise<void> {
  const tenant = systemTenant;
  let partitions: number;
  try {
    partitions = (await events.getTopic(tenant, apiKeysTopic, signal)).partitions;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    try {
      const spec = { name: apiKeysTopic, partitions: 1, retentionMs: 0 };
      partitions = (await events.createTopic(tenant, spec, signal)).partitions;
    } catch (createError) {
      if (!(createError instanceof AlreadyExistsError)) throw createError;
      partitions = (await events.getTopic(tenant, apiKeysTopic, signal)).partitions;
    }
  }
  if (partitions !== 1) {
    throw new PreconditionError(
      `topic "${apiKeysTopic}" of tenant "${tenant}" has ${partitions} partitions; api keys need exactly 1`,
    );
  }
}
