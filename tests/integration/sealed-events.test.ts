import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import Sqlite from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventsDatabaseFile } from "../../clients/events/embedded/log.js";
import { partitionForKey } from "../../clients/events/partitioner.js";
import type { ConsumedBatch, EventLog, StoredEvent } from "../../clients/events/port.js";
import { EmbeddedDataKeyStore } from "../../clients/keys/embedded/store.js";
import { PublishRequestSchema, SubscribeRequestSchema } from "../../gen/ragplane/v1/events_pb.js";
import { StoredDataKeyring } from "../../security/encryption/data-keyring.js";
import { createKeyFile } from "../../security/encryption/key-file.js";
import { LocalKeyFileProvider } from "../../security/encryption/local-key-file.js";
import {
  SealedEventError,
  sealEventLog,
  sealedHeader,
} from "../../server/encryption/sealed-events.js";
import type { ServiceContext } from "../../server/services/context.js";
import { createEventsService } from "../../server/services/events/service.js";
import { eventsValidators } from "../../server/services/events/validate.js";
import { openTemporaryLog, type TemporaryLog } from "../support/temporary-log.js";

const utf8 = new TextEncoder();
const secretText = "Ada Lovelace lives at 12 Marylebone Road";
const subject = "person-ada@example.org";

let temporary: TemporaryLog;
let provider: LocalKeyFileProvider;
let store: EmbeddedDataKeyStore;
let keyring: StoredDataKeyring;
let sealed: EventLog;

const contextOf = (tenant: string, signal = new AbortController().signal): ServiceContext => ({
  tenant,
  signal,
  deadline: undefined,
  requestId: "test-request",
  peer: "127.0.0.1:1",
  principal: undefined,
});

beforeEach(async () => {
  temporary = await openTemporaryLog("ragplane-sealed-events-");
  await createKeyFile(join(temporary.dataDir, "keys", "kek.json"));
  provider = await LocalKeyFileProvider.open({ path: join(temporary.dataDir, "keys", "kek.json") });
  store = await EmbeddedDataKeyStore.open(temporary.dataDir);
  keyring = new StoredDataKeyring({ provider, store, cacheMs: 5_000 });
  sealed = sealEventLog(temporary.events, keyring, { encryptAll: true });
  await sealed.createTopic("acme", { name: "people", partitions: 3, retentionMs: 0 });
});

afterEach(async () => {
  await provider.close();
  await store.close();
  await temporary.remove();
});

async function readAll(log: EventLog, topic = "people", tenant = "acme"): Promise<StoredEvent[]> {
  const ends = await log.endOffsets(tenant, topic);
  const total = ends.reduce((sum, end) => sum + Number(end), 0);
  const controller = new AbortController();
  const events: StoredEvent[] = [];
  if (total === 0) return events;
  for await (const event of log.read(
    tenant,
    topic,
    { start: { kind: "beginning" } },
    controller.signal,
  )) {
    events.push(event);
    if (events.length === total) break;
  }
  return events.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
}

describe("sealed events on the embedded log", () => {
  it("stores no plaintext and no subject: the rows hold ciphertext, the key id and positions only", async () => {
    const time = new Date("2024-05-06T07:08:09.010Z");
    const acks = await sealed.append("acme", "people", [
      {
        id: "e1",
        key: "customer-7",
        payload: utf8.encode(secretText),
        contentType: "text/plain",
        headers: { purpose: "billing" },
        subject,
        time,
      },
      { id: "e2", payload: utf8.encode(`${secretText} again`), contentType: "text/plain" },
    ]);
    expect(acks[0]?.partition).toBe(partitionForKey("customer-7", 3));
    expect(acks[1]?.partition).toBe(partitionForKey("e2", 3));
    const db = new Sqlite(join(temporary.dataDir, eventsDatabaseFile), { readonly: true });
    const rows = db
      .prepare(
        "SELECT id, key, payload, content_type, headers, subject, time_ms FROM events ORDER BY id",
      )
      .all() as {
      id: string;
      key: string;
      payload: Buffer;
      content_type: string;
      headers: string;
      subject: string;
      time_ms: number;
    }[];
    db.close();
    expect(rows.map((row) => [row.id, row.key, row.content_type, row.subject])).toEqual([
      ["e1", "customer-7", "", ""],
      ["e2", "e2", "", ""],
    ]);
    expect(rows[0]?.time_ms).toBe(time.getTime());
    const subjectKey = await keyring.sealingKey("acme", subject);
    const tenantKey = await keyring.sealingKey("acme", undefined);
    expect(JSON.parse(rows[0]?.headers ?? "")).toEqual({ [sealedHeader]: subjectKey.id });
    expect(JSON.parse(rows[1]?.headers ?? "")).toEqual({ [sealedHeader]: tenantKey.id });
    const files = await readdir(temporary.dataDir);
    const bytes = Buffer.concat(
      await Promise.all(
        files
          .filter((file) => file.startsWith("events.sqlite"))
          .map((file) => readFile(join(temporary.dataDir, file))),
      ),
    );
    for (const clear of ["Ada Lovelace", subject, "billing", "purpose", "text/plain"]) {
      expect(bytes.includes(Buffer.from(clear))).toBe(false);
    }
  });

  it("reads and consumes the events back as published", async () => {
    const time = new Date("2024-05-06T07:08:09.010Z");
    await sealed.append("acme", "people", [
      {
        id: "e1",
        key: "k",
        payload: utf8.encode(secretText),
        contentType: "text/plain",
        headers: { a: "1", __proto__: "x" } as Record<string, string>,
        subject,
        time,
      },
    ]);
    const [event] = await readAll(sealed);
    expect(event).toEqual({
      id: "e1",
      key: "k",
      payload: utf8.encode(secretText),
      contentType: "text/plain",
      headers: { a: "1" },
      subject,
      time,
      partition: partitionForKey("k", 3),
      offset: 0n,
    });
    const batches: ConsumedBatch[] = [];
    const controller = new AbortController();
    await sealed.consume(
      "acme",
      "people",
      "g",
      async (batch) => {
        batches.push(batch);
        controller.abort();
      },
      {},
      controller.signal,
    );
    expect(batches[0]?.events).toEqual([event]);
  });

  it("delivers a destroyed subject's events as tombstones, positions intact, others still open", async () => {
    await sealed.append("acme", "people", [
      {
        id: "a1",
        key: "ada",
        payload: utf8.encode(secretText),
        subject,
        headers: { h: "v" },
        contentType: "text/plain",
      },
      { id: "b1", key: "bob", payload: utf8.encode("Bob's data"), subject: "person-bob" },
      { id: "a2", key: "ada", payload: utf8.encode("more about Ada"), subject },
      { id: "t1", key: "ada", payload: utf8.encode("no subject") },
    ]);
    const before = await readAll(sealed);
    expect(await keyring.destroySubjectKey("acme", subject)).toBe(true);
    const after = await readAll(sealed);
    expect(
      after.map((event) => [event.id, event.partition, event.offset, event.key, event.time]),
    ).toEqual(
      before.map((event) => [event.id, event.partition, event.offset, event.key, event.time]),
    );
    const byId = new Map(after.map((event) => [event.id, event]));
    for (const id of ["a1", "a2"]) {
      expect(byId.get(id)).toMatchObject({
        payload: new Uint8Array(0),
        contentType: "",
        headers: {},
        subject: "",
        erased: true,
      });
    }
    expect(byId.get("b1")).toMatchObject({
      payload: utf8.encode("Bob's data"),
      subject: "person-bob",
    });
    expect(byId.get("b1")?.erased).toBeUndefined();
    expect(byId.get("t1")?.payload).toEqual(utf8.encode("no subject"));

    const service = createEventsService(sealed);
    const controller = new AbortController();
    const responses = [];
    for await (const response of service.subscribe(
      create(SubscribeRequestSchema, { topic: "people" }),
      contextOf("acme", controller.signal),
    )) {
      responses.push(response);
      if (responses.length === 4) break;
    }
    const tombstones = responses.filter((response) => response.event?.erased);
    expect(tombstones.map((response) => response.event?.id).sort()).toEqual(["a1", "a2"]);
    for (const response of tombstones) {
      const original = before.find((event) => event.id === response.event?.id);
      expect(response).toMatchObject({
        partition: original?.partition,
        offset: original?.offset,
        event: {
          key: "ada",
          subject: "",
          contentType: "",
          payload: new Uint8Array(0),
          headers: {},
        },
      });
    }
    expect(responses.find((response) => response.event?.id === "b1")?.event?.erased).toBeFalsy();
  });

  it("passes through events written before encryption, and seals new ones after them", async () => {
    await temporary.events.append("acme", "people", [
      {
        id: "old",
        key: "k",
        payload: utf8.encode("written in the clear"),
        contentType: "text/plain",
        subject: "legacy",
        headers: { a: "b" },
      },
    ]);
    await sealed.append("acme", "people", [
      { id: "new", key: "k", payload: utf8.encode("sealed") },
    ]);
    const events = await readAll(sealed);
    expect(
      events.map((event) => [event.id, new TextDecoder().decode(event.payload), event.subject]),
    ).toEqual([
      ["old", "written in the clear", "legacy"],
      ["new", "sealed", ""],
    ]);
    expect(events[0]?.headers).toEqual({ a: "b" });
  });

  it("with ENCRYPTION_AT_REST off seals only events that have a subject", async () => {
    const subjectsOnly = sealEventLog(temporary.events, keyring, { encryptAll: false });
    await subjectsOnly.append("acme", "people", [
      { id: "plain", payload: utf8.encode("not personal") },
      { id: "personal", payload: utf8.encode(secretText), subject },
    ]);
    const raw = new Map((await readAll(temporary.events)).map((event) => [event.id, event]));
    expect(raw.get("plain")?.payload).toEqual(utf8.encode("not personal"));
    expect(raw.get("personal")?.subject).toBe("");
    expect(Object.keys(raw.get("personal")?.headers ?? {})).toEqual([sealedHeader]);
    const opened = new Map((await readAll(subjectsOnly)).map((event) => [event.id, event]));
    expect(opened.get("personal")?.payload).toEqual(utf8.encode(secretText));
    await expect(
      subjectsOnly.append("acme", "people", [
        { id: "x", payload: new Uint8Array(), headers: { [sealedHeader]: "forged" } },
      ]),
    ).rejects.toThrow(RangeError);
  });

  it("stores the events of a plaintext (control-plane) tenant as they are", async () => {
    const control = sealEventLog(temporary.events, keyring, {
      encryptAll: true,
      plaintextTenant: (tenant) => tenant.startsWith("_"),
    });
    await control.createTopic("_system", { name: "audit", partitions: 1, retentionMs: 0 });
    await control.append("_system", "audit", [
      { id: "a", payload: utf8.encode('{"type":"x"}'), subject: "data.write" },
    ]);
    const [stored] = await readAll(temporary.events, "audit", "_system");
    expect(stored).toMatchObject({ payload: utf8.encode('{"type":"x"}'), subject: "data.write" });
    expect((await store.list({ limit: 10 })).records).toEqual([]);
  });

  it("refuses to deliver an event whose sealed bytes were changed", async () => {
    await sealed.append("acme", "people", [
      { id: "e1", key: "k", payload: utf8.encode(secretText), subject },
    ]);
    const db = new Sqlite(join(temporary.dataDir, eventsDatabaseFile));
    db.prepare("UPDATE events SET payload = zeroblob(length(payload)) WHERE id = 'e1'").run();
    db.close();
    await expect(readAll(sealed)).rejects.toThrow(SealedEventError);
  });

  it("Publish refuses header keys starting with _rp_, naming the event's headers field", () => {
    const request = create(PublishRequestSchema, {
      topic: "people",
      events: [
        { id: "ok", headers: { fine: "1" } },
        { id: "bad", headers: { _rp_sealed: "forged" }, time: timestampFromDate(new Date()) },
      ],
    });
    const violations = eventsValidators.publish(request);
    expect(violations).toEqual([
      expect.objectContaining({
        field: "events[1].headers",
        description: expect.stringContaining('"_rp_" are reserved'),
      }),
    ]);
  });
});
