import type {
  BatchHandler,
  EventLog,
  NewEvent,
  ReadOptions,
  StoredEvent,
} from "../../clients/events/port.js";
import { openingKeys, sealingKeys } from "../../security/encryption/batch-keys.js";
import { open, seal } from "../../security/encryption/envelope.js";
import {
  decodeEventContent,
  encodeEventContent,
  sealedHeader,
} from "../../security/encryption/event-content.js";
import type { DataKey, DataKeyring } from "../../security/encryption/keyring.js";
import { decorateEngine } from "../engine-decorator.js";

export { sealedHeader };

/** Options of {@link sealEventLog}. */
export interface SealEventLogOptions {
  /**
   * `ENCRYPTION_AT_REST`: events without a subject are sealed too, under the tenant's key.
   * Events with a subject are sealed under the subject's key either way.
   */
  readonly encryptAll: boolean;
  /**
   * Tenants whose events are stored as they are, never sealed: ragplane's own control-plane
   * tenant (`_system`: API keys, stored as hashes; the hash-chained audit trail, whose
   * verifier reports a changed entry by its position; ingestion settings), whose events use
   * `subject` as a type tag, not as a data subject. Default: none.
   */
  readonly plaintextTenant?: (tenant: string) => boolean;
}

/** A sealed event that does not open with its key: changed bytes, or moved from elsewhere. */
export class SealedEventError extends Error {
  override readonly name = "SealedEventError";
  constructor(
    readonly topic: string,
    readonly event: StoredEvent,
    options?: ErrorOptions,
  ) {
    super(
      `event "${event.id}" of topic "${topic}" (partition ${event.partition}, offset ${event.offset}) is sealed but does not open: its stored bytes were changed`,
      options,
    );
  }
}

const empty = new Uint8Array(0);

/**
 * `log` with events encrypted at rest. On append, an event with a subject is sealed under
 * the subject's data key, and (with `encryptAll`) any other under the tenant's key: its
 * payload becomes `seal(key, encodeEventContent({payload, contentType, headers, subject}),
 * utf8(tenant \0 topic \0 id))`, its content type and subject "", its headers
 * `{ _rp_sealed: keyId }`; id, key and time stay, so the partition is the producer key's.
 * The subject never reaches the log in the clear.
 *
 * `read` and `consume` open events back. An event whose key was destroyed (its subject
 * erased) comes back as a tombstone: `erased: true`, empty payload, content type, headers
 * and subject, with id, key, time and position intact. Events without `_rp_sealed`
 * (written before encryption, or not sealed) pass through untouched, and so does every
 * event of a `plaintextTenant`. A batch looks up each distinct key once; keys the keyring
 * has cached are used without waiting.
 */
export function sealEventLog(
  log: EventLog,
  keyring: DataKeyring,
  options: SealEventLogOptions,
): EventLog {
  const plaintext = options.plaintextTenant ?? (() => false);

  const openBatch = async (
    tenant: string,
    topic: string,
    events: readonly StoredEvent[],
    signal: AbortSignal | undefined,
  ): Promise<StoredEvent[]> => {
    const keyIds: string[] = [];
    for (const event of events) {
      const keyId = event.headers[sealedHeader];
      if (keyId !== undefined) keyIds.push(keyId);
    }
    const keys = await openingKeys(keyring, tenant, keyIds, signal);
    return events.map((event) => {
      const keyId = event.headers[sealedHeader];
      return keyId === undefined ? event : openEvent(tenant, topic, event, keys.get(keyId));
    });
  };

  const overrides: Partial<EventLog> = {
    async append(tenant, topic, events, signal) {
      if (plaintext(tenant)) return log.append(tenant, topic, events, signal);
      const subjects = new Set<string>();
      for (const event of events) {
        if (event.subject) subjects.add(event.subject);
        else if (options.encryptAll) subjects.add("");
        else if (event.headers !== undefined && Object.hasOwn(event.headers, sealedHeader)) {
          throw new RangeError(`event "${event.id}" carries the reserved header ${sealedHeader}`);
        }
      }
      const keys = await sealingKeys(keyring, tenant, subjects, signal);
      const sealed = events.map((event) => {
        const key = keys.get(event.subject ?? "");
        return key === undefined ? event : sealEvent(tenant, topic, event, key);
      });
      return log.append(tenant, topic, sealed, signal);
    },

    async *read(tenant: string, topic: string, readOptions: ReadOptions, signal: AbortSignal) {
      for await (const stored of log.read(tenant, topic, readOptions, signal)) {
        const keyId = stored.headers[sealedHeader];
        if (keyId === undefined) {
          yield stored;
          continue;
        }
        const hit = keyring.cachedOpeningKey?.(tenant, keyId);
        const key =
          hit === undefined ? await keyring.openingKey(tenant, keyId, signal) : (hit ?? undefined);
        yield openEvent(tenant, topic, stored, key);
      }
    },

    consume(tenant, topic, group, handler: BatchHandler, consumeOptions, signal) {
      const opening: BatchHandler = async (batch, batchSignal) => {
        const events = await openBatch(tenant, topic, batch.events, batchSignal);
        await handler({ partition: batch.partition, events }, batchSignal);
      };
      return log.consume(tenant, topic, group, opening, consumeOptions, signal);
    },
  };
  return decorateEngine(log, (property) => overrides[property as keyof EventLog]);
}

/** The stored form of `event`, sealed under `key`. */
function sealEvent(tenant: string, topic: string, event: NewEvent, key: DataKey): NewEvent {
  const content = encodeEventContent({
    payload: event.payload,
    contentType: event.contentType ?? "",
    headers: event.headers ?? {},
    subject: event.subject ?? "",
  });
  return {
    id: event.id,
    ...(event.key === undefined ? {} : { key: event.key }),
    payload: seal(key.key, content, contextOf(tenant, topic, event.id)),
    contentType: "",
    headers: { [sealedHeader]: key.id },
    subject: "",
    ...(event.time === undefined ? {} : { time: event.time }),
  };
}

/** `stored` opened with `key`, or its tombstone when the key is gone. */
function openEvent(
  tenant: string,
  topic: string,
  stored: StoredEvent,
  key: DataKey | undefined,
): StoredEvent {
  const position = {
    id: stored.id,
    key: stored.key,
    time: stored.time,
    partition: stored.partition,
    offset: stored.offset,
  };
  if (key === undefined) {
    return { ...position, payload: empty, contentType: "", headers: {}, subject: "", erased: true };
  }
  let content: ReturnType<typeof decodeEventContent>;
  try {
    content = decodeEventContent(
      open(key.key, stored.payload, contextOf(tenant, topic, stored.id)),
    );
  } catch (cause) {
    throw new SealedEventError(topic, stored, { cause });
  }
  return { ...position, ...content };
}

function contextOf(tenant: string, topic: string, id: string): Uint8Array {
  return Buffer.from(`${tenant}\u0000${topic}\u0000${id}`, "utf8");
}
