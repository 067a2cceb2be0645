import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedDataKeyStore } from "../../clients/keys/embedded/store.js";
import {
  StoredDataKeyring,
  subjectKeyName,
  tenantKeyName,
} from "../../security/encryption/data-keyring.js";
import { open, seal } from "../../security/encryption/envelope.js";
import { createKeyFile, rotateKeyFile } from "../../security/encryption/key-file.js";
import { LocalKeyFileProvider } from "../../security/encryption/local-key-file.js";

const context = new TextEncoder().encode("acme\u0000topic\u0000e1");
const plaintext = new TextEncoder().encode("Ada Lovelace's address");

describe("StoredDataKeyring on the SQLite key store", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function setUp(cacheMs = 5_000) {
    const dir = await mkdtemp(join(tmpdir(), "ragplane-keyring-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const keyFile = join(dir, "keys", "kek.json");
    await createKeyFile(keyFile);
    const provider = await LocalKeyFileProvider.open({ path: keyFile, pollMs: 50 });
    const store = await EmbeddedDataKeyStore.open(dir);
    cleanups.unshift(async () => {
      await provider.close();
      await store.close();
    });
    const keyring = new StoredDataKeyring({ provider, store, cacheMs });
    return { dir, keyFile, provider, store, keyring };
  }

  it("gives a subject its own key, the same on every call, and the tenant another", async () => {
    const { keyring, store } = await setUp();
    const subject = await keyring.sealingKey("acme", "person-1");
    expect(subject.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect((await keyring.sealingKey("acme", "person-1")).id).toBe(subject.id);
    const tenant = await keyring.sealingKey("acme", undefined);
    expect(tenant.id).not.toBe(subject.id);
    expect((await keyring.sealingKey("acme", "")).id).toBe(tenant.id);
    expect((await keyring.sealingKey("other", "person-1")).id).not.toBe(subject.id);
    expect((await store.getByName("acme", subjectKeyName("person-1")))?.id).toBe(subject.id);
    expect((await store.getByName("acme", tenantKeyName))?.id).toBe(tenant.id);
    expect(subject.id).not.toContain("person");
  });

  it("opens by id what was sealed, and says undefined for an unknown id or tenant", async () => {
    const { keyring } = await setUp();
    const key = await keyring.sealingKey("acme", "person-1");
    const sealed = seal(key.key, plaintext, context);
    const opening = await keyring.openingKey("acme", key.id);
    expect(opening?.id).toBe(key.id);
    expect(open((opening ?? key).key, sealed, context)).toEqual(Buffer.from(plaintext));
    expect(await keyring.openingKey("acme", "unknown-id")).toBeUndefined();
    expect(await keyring.openingKey("other", key.id)).toBeUndefined();
  });

  it("agrees with a second keyring on the same store on a subject's key", async () => {
    const { keyring, provider, store } = await setUp(0);
    const second = new StoredDataKeyring({ provider, store, cacheMs: 0 });
    const [a, b] = await Promise.all([
      keyring.sealingKey("acme", "person-2"),
      second.sealingKey("acme", "person-2"),
    ]);
    expect(a.id).toBe(b.id);
    const sealed = seal(a.key, plaintext, context);
    const opened = await second.openingKey("acme", a.id);
    expect(opened && open(opened.key, sealed, context)).toEqual(Buffer.from(plaintext));
  });

  it("destroys a subject's key: openingKey is then undefined here and on another keyring", async () => {
    const { keyring, provider, store } = await setUp();
    const other = new StoredDataKeyring({ provider, store, cacheMs: 0 });
    const key = await keyring.sealingKey("acme", "person-3");
    const kept = await keyring.sealingKey("acme", "person-4");
    expect(await keyring.openingKey("acme", key.id)).toBeDefined();
    expect(await keyring.destroySubjectKey("acme", "person-3")).toBe(true);
    expect(await keyring.openingKey("acme", key.id)).toBeUndefined();
    expect(await other.openingKey("acme", key.id)).toBeUndefined();
    expect(await keyring.destroySubjectKey("acme", "person-3")).toBe(false);
    expect((await keyring.openingKey("acme", kept.id))?.id).toBe(kept.id);
    const fresh = await keyring.sealingKey("acme", "person-3");
    expect(fresh.id).not.toBe(key.id);
  });

  it("keeps a destroyed key in another replica's cache for at most cacheMs", async () => {
    const { keyring, provider, store } = await setUp();
    let now = 1_000;
    const replica = new StoredDataKeyring({ provider, store, cacheMs: 200, now: () => now });
    const key = await keyring.sealingKey("acme", "person-5");
    expect(await replica.openingKey("acme", key.id)).toBeDefined();
    await keyring.destroySubjectKey("acme", "person-5");
    expect(await replica.openingKey("acme", key.id)).toBeDefined();
    now += 200;
    expect(await replica.openingKey("acme", key.id)).toBeUndefined();
    expect(replica.cacheMs).toBe(200);
  });

  it("keeps old data openable after a KEK rotation, and rewrap moves every key to the new KEK", async () => {
    const { keyring, keyFile, provider, store } = await setUp(0);
    const firstKek = provider.activeKeyId();
    const sealed = new Map<string, Buffer>();
    for (const subject of ["a", "b", "c", undefined]) {
      const key = await keyring.sealingKey("acme", subject);
      sealed.set(key.id, seal(key.key, plaintext, context));
    }
    await keyring.sealingKey("globex", "d");
    const { active } = await rotateKeyFile(keyFile);
    await provider.reload();
    expect(provider.activeKeyId()).toBe(active);
    expect(provider.keyIds()).toEqual(expect.arrayContaining([firstKek, active]));
    const newer = await keyring.sealingKey("acme", "e");
    expect((await store.getById("acme", newer.id))?.kekId).toBe(active);
    for (const [id, value] of sealed) {
      const key = await keyring.openingKey("acme", id);
      expect(key && open(key.key, value, context)).toEqual(Buffer.from(plaintext));
    }
    const progress: { checked: number; rewrapped: number }[] = [];
    const result = await keyring.rewrap((step) => progress.push(step));
    expect(result).toEqual({ checked: 6, rewrapped: 5, activeKeyId: active, remainingKeyIds: [] });
    expect(progress.at(-1)).toEqual({ checked: 6, rewrapped: 5 });
    const page = await store.list({ limit: 100 });
    expect(page.records.map((record) => record.kekId)).toEqual(Array(6).fill(active));
    for (const [id, value] of sealed) {
      const key = await keyring.openingKey("acme", id);
      expect(key && open(key.key, value, context)).toEqual(Buffer.from(plaintext));
    }
    expect((await keyring.rewrap(() => {})).rewrapped).toBe(0);
  });

  it("reports the KEKs still in use when a record's wrapping changed underneath the re-wrap", async () => {
    const { keyring, keyFile, provider, store } = await setUp(0);
    const key = await keyring.sealingKey("acme", "x");
    const old = provider.activeKeyId();
    await rotateKeyFile(keyFile);
    await provider.reload();
    const racing = {
      ...store,
      list: store.list.bind(store),
      getById: store.getById.bind(store),
      getByName: store.getByName.bind(store),
      createIfAbsent: store.createIfAbsent.bind(store),
      deleteByName: store.deleteByName.bind(store),
      health: store.health.bind(store),
      close: store.close.bind(store),
      replaceWrapping: async () => false,
    };
    const result = await new StoredDataKeyring({ provider, store: racing }).rewrap(() => {});
    expect(result).toMatchObject({ checked: 1, rewrapped: 0, remainingKeyIds: [old] });
    expect((await store.getById("acme", key.id))?.kekId).toBe(old);
  });

  it("shares one store lookup between concurrent callers of one key", async () => {
    const { keyring, store } = await setUp();
    let lookups = 0;
    const getByName = store.getByName.bind(store);
    store.getByName = async (...args) => {
      lookups += 1;
      return getByName(...args);
    };
    const keys = await Promise.all(
      Array.from({ length: 10 }, () => keyring.sealingKey("acme", "person-6")),
    );
    expect(new Set(keys.map((key) => key.id)).size).toBe(1);
    expect(lookups).toBe(1);
  });
});
