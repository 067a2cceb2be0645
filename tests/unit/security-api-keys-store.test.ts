import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { EngineUnavailableError, PreconditionError } from "../../clients/errors.js";
import type { EmbeddedEventLog } from "../../clients/events/embedded/log.js";
import type { EventLog, ReadOptions, StoredEvent } from "../../clients/events/port.js";
import { decodeChange, encodeChange } from "../../security/api-keys/codec.js";
import { apiKeysTopic, LogApiKeyStore, systemTenant } from "../../security/api-keys/log-store.js";
import { decodeKeyPageToken, encodeKeyPageToken } from "../../security/api-keys/page-token.js";
import { keyRecord } from "../contract/api-keys.contract.js";
import { openTemporaryLog } from "../support/temporary-log.js";

/**
 * The embedded log, whose reads can be cut: `cut(n)` ends the current read with
 * `EngineUnavailableError` and makes the next `n` reads fail at once, as an engine outage
 * would. Everything else is the real log.
 */
class CuttableLog implements EventLog {
  #failures = 0;
  #current: AbortController | undefined;
  reads = 0;
  constructor(readonly inner: EventLog) {}
  createTopic: EventLog["createTopic"] = (...args) => this.inner.createTopic(...args);
  getTopic: EventLog["getTopic"] = (...args) => this.inner.getTopic(...args);
  listTopics: EventLog["listTopics"] = (...args) => this.inner.listTopics(...args);
  setTopicRetention: EventLog["setTopicRetention"] = (...args) =>
    this.inner.setTopicRetention(...args);
  append: EventLog["append"] = (...args) => this.inner.append(...args);
  endOffsets: EventLog["endOffsets"] = (...args) => this.inner.endOffsets(...args);
  startOffsets: EventLog["startOffsets"] = (...args) => this.inner.startOffsets(...args);
  consume: EventLog["consume"] = (...args) => this.inner.consume(...args);
  committedOffsets: EventLog["committedOffsets"] = (...args) =>
    this.inner.committedOffsets(...args);
  deleteGroup: EventLog["deleteGroup"] = (...args) => this.inner.deleteGroup(...args);
  health: EventLog["health"] = () => this.inner.health();
  close: EventLog["close"] = () => this.inner.close();

  async *read(
    tenant: string,
    topic: string,
    options: ReadOptions,
    signal: AbortSignal,
  ): AsyncGenerator<StoredEvent> {
    this.reads++;
    if (this.#failures > 0) {
      this.#failures--;
      throw new EngineUnavailableError("log (cut)");
    }
    const controller = new AbortController();
    this.#current = controller;
    try {
      yield* this.inner.read(tenant, topic, options, AbortSignal.any([signal, controller.signal]));
    } catch (error) {
      if (controller.signal.aborted && !signal.aborted) throw new EngineUnavailableError("log");
      throw error;
    }
  }

  cut(failures: number): void {
    this.#failures = failures;
    this.#current?.abort();
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function openLog(): Promise<EmbeddedEventLog> {
  const log = await openTemporaryLog("ragplane-api-keys-");
  cleanups.push(log.remove);
  return log.events;
}

function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe("LogApiKeyStore following the log", () => {
  it("logs a failed read, retries with growing pauses, and resumes where it stopped", async () => {
    const inner = await openLog();
    const log = new CuttableLog(inner);
    const { logger, lines } = recordingLogger();
    const store = await LogApiKeyStore.open({ events: log, logger, retryMinMs: 20 });
    cleanups.unshift(() => store.close());
    const other = await LogApiKeyStore.open({ events: inner, logger });
    cleanups.unshift(() => other.close());
    const before = keyRecord("acme");
    await store.create(before);

    log.cut(2);
    const during = keyRecord("acme");
    await other.create(during);
    const mine = keyRecord("acme");
    await store.create(mine);

    expect(store.get(during.id)).toEqual(during);
    expect(store.get(mine.id)).toEqual(mine);
    expect((await store.list({ limit: 10 })).keys.map((k) => k.id)).toEqual([
      before.id,
      during.id,
      mine.id,
    ]);
    expect(lines.map((line) => [line.msg, line.retryInMs])).toEqual([
      ["api keys: following the log failed; retrying", 20],
      ["api keys: following the log failed; retrying", 40],
      ["api keys: following the log failed; retrying", 80],
    ]);
    expect(log.reads).toBe(4);
  });

  it("closes promptly while waiting to retry, failing writes that wait for their event", async () => {
    const log = new CuttableLog(await openLog());
    const store = await LogApiKeyStore.open({
      events: log,
      logger: pino({ level: "silent" }),
      retryMinMs: 60_000,
    });
    log.cut(1);
    await sleep(20);
    const pending = store.create(keyRecord("acme")).catch((error: unknown) => error);
    await sleep(20);
    const started = performance.now();
    await store.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(EngineUnavailableError);
  });

  it("refuses a key topic with more than one partition", async () => {
    const log = await openLog();
    await log.createTopic(systemTenant, { name: apiKeysTopic, partitions: 2, retentionMs: 0 });
    await expect(
      LogApiKeyStore.open({ events: log, logger: pino({ level: "silent" }) }),
    ).rejects.toBeInstanceOf(PreconditionError);
  });
});

describe("api key change events", () => {
  const stored = (event: ReturnType<typeof encodeChange>, payload = event.payload) =>
    ({
      id: event.id,
      key: event.key ?? event.id,
      payload,
      contentType: event.contentType ?? "",
      headers: event.headers ?? {},
      subject: event.subject ?? "",
      time: new Date(),
      partition: 0,
      offset: 0n,
    }) satisfies StoredEvent;

  it("round-trips a record, keyed by the key id, with a fresh event id per change", () => {
    const record = { ...keyRecord("acme"), expiresAt: 5, revokedAt: 6 };
    const first = encodeChange({ type: "revoked", record });
    const second = encodeChange({ type: "revoked", record });
    expect(first.key).toBe(record.id);
    expect(first.id).not.toBe(second.id);
    expect(decodeChange(stored(first))).toEqual({
      kind: "valid",
      change: { type: "revoked", record },
    });
  });

  it("refuses events that are not a whole, valid record", () => {
    const record = keyRecord("acme");
    const event = encodeChange({ type: "created", record });
    const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    const invalid = [
      stored({ ...event, headers: { change: "deleted" } }),
      stored(event, json({ ...record, scopes: ["vectors:read", "root"] })),
      stored(event, json({ ...record, hash: "abc" })),
      stored(event, json({ ...record, createdAt: "yesterday" })),
      stored(event, json([record])),
      stored(encodeChange({ type: "revoked", record })),
    ];
    for (const candidate of invalid) expect(decodeChange(candidate).kind).toBe("invalid");
  });
});

describe("key page tokens", () => {
  it("round-trips positions and refuses anything it did not issue", () => {
    for (const index of [0, 1, 99, 123_456]) {
      expect(decodeKeyPageToken(encodeKeyPageToken(index))).toBe(index);
    }
    const nonCanonical = Buffer.from("p007").toString("base64url");
    for (const token of ["", "p1", "@@", nonCanonical, Buffer.from("p-1").toString("base64url")]) {
      expect(decodeKeyPageToken(token), token).toBeUndefined();
    }
  });
});
