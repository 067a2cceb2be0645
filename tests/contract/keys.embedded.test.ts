import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  dataKeysDatabaseFile,
  EmbeddedDataKeyStore,
  keysDirectoryName,
} from "../../clients/keys/embedded/store.js";
import type { DataKeyStore } from "../../clients/keys/port.js";
import {
  type DataKeyStoreHarness,
  dataKeyRecord,
  describeDataKeyStoreContract,
} from "./keys.contract.js";

/** A store in a fresh temp dir; a replica is a second connection to the same file. */
async function openEmbedded(): Promise<DataKeyStoreHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), "ragplane-data-keys-"));
  const stores: DataKeyStore[] = [];
  const openStore = async () => {
    const store = await EmbeddedDataKeyStore.open(dataDir);
    stores.push(store);
    return store;
  };
  const closeAll = async () => {
    for (const store of stores.splice(0)) await store.close();
  };
  let store = await openStore();
  return {
    get store() {
      return store;
    },
    async reopen() {
      await closeAll();
      store = await openStore();
      return store;
    },
    replica: openStore,
    async cleanup() {
      await closeAll();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

describeDataKeyStoreContract("embedded (SQLite)", openEmbedded);

describe("EmbeddedDataKeyStore", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it("leaves no byte of a deleted key in its files", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "ragplane-data-keys-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const store = await EmbeddedDataKeyStore.open(dataDir);
    cleanups.unshift(() => store.close());
    const kept = dataKeyRecord();
    const erased = dataKeyRecord();
    await store.createIfAbsent("acme", "t", kept);
    await store.createIfAbsent("acme", "s:person", erased);
    expect(await store.deleteByName("acme", "s:person")).toBe(true);
    const path = join(dataDir, keysDirectoryName, dataKeysDatabaseFile);
    const files = [path, `${path}-wal`];
    const bytes = Buffer.concat(
      await Promise.all(files.map((file) => readFile(file).catch(() => Buffer.alloc(0)))),
    );
    expect(bytes.includes(Buffer.from(kept.wrapped))).toBe(true);
    expect(bytes.includes(Buffer.from(erased.wrapped))).toBe(false);
    expect(bytes.includes(Buffer.from(erased.id))).toBe(false);
  });

  it("keeps its directory private (mode 0700)", async () => {
    if (process.platform === "win32") return;
    const dataDir = await mkdtemp(join(tmpdir(), "ragplane-data-keys-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const store = await EmbeddedDataKeyStore.open(dataDir);
    cleanups.unshift(() => store.close());
    const { stat } = await import("node:fs/promises");
    expect((await stat(join(dataDir, keysDirectoryName))).mode & 0o777).toBe(0o700);
  });
});
