import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisDataKeyStore } from "../../clients/keys/redis/store.js";
import { RedisConnection } from "../../clients/redis/connection.js";
import { StoredDataKeyring } from "../../security/encryption/data-keyring.js";
import { createKeyFile, rotateKeyFile } from "../../security/encryption/key-file.js";
import { LocalKeyFileProvider } from "../../security/encryption/local-key-file.js";
import {
  type DataKeyStoreHarness,
  dataKeyRecord,
  describeDataKeyStoreContract,
} from "../contract/keys.contract.js";

const url = process.env.REDIS_URL;
const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
let prefixes = 0;

if (!url) {
  describe.skip("Redis data key store — skipped: set REDIS_URL, e.g. from scripts/engines/start.sh redis", () => {
    it("runs against a real Redis only", () => {});
  });
} else {
  const connections: RedisConnection[] = [];
  let shared: RedisConnection;
  beforeAll(async () => {
    shared = await RedisConnection.connect({ url });
  });
  afterAll(async () => {
    const keys = await shared.client.keys(`ragplane:test:${run}:*`);
    if (keys.length > 0) await shared.client.del(...keys);
    for (const connection of connections.splice(0)) await connection.close();
    await shared.close();
  });

  /** Each harness has a prefix of its own (an empty store); a replica has its own connection. */
  async function openRedis(): Promise<DataKeyStoreHarness> {
    prefixes += 1;
    const keyPrefix = `ragplane:test:${run}:${prefixes}:`;
    const replica = async () => {
      const connection = await RedisConnection.connect({ url: url as string });
      connections.push(connection);
      return new RedisDataKeyStore({ redis: connection, keyPrefix });
    };
    let store = new RedisDataKeyStore({ redis: shared, keyPrefix });
    return {
      get store() {
        return store;
      },
      async reopen() {
        await store.close();
        store = new RedisDataKeyStore({ redis: shared, keyPrefix });
        return store;
      },
      replica,
      async cleanup() {
        await store.close();
      },
    };
  }

  describeDataKeyStoreContract("redis", openRedis);

  describe("StoredDataKeyring on Redis", () => {
    it("agrees across replicas, re-wraps every key after a rotation, and forgets destroyed keys", async () => {
      prefixes += 1;
      const keyPrefix = `ragplane:test:${run}:${prefixes}:`;
      const dir = await mkdtemp(join(tmpdir(), "ragplane-keyring-redis-"));
      const keyFile = join(dir, "kek.json");
      await createKeyFile(keyFile);
      const provider = await LocalKeyFileProvider.open({ path: keyFile });
      const other = await RedisConnection.connect({ url: url as string });
      connections.push(other);
      try {
        const first = new StoredDataKeyring({
          provider,
          store: new RedisDataKeyStore({ redis: shared, keyPrefix }),
          cacheMs: 0,
        });
        const second = new StoredDataKeyring({
          provider,
          store: new RedisDataKeyStore({ redis: other, keyPrefix }),
          cacheMs: 0,
        });
        const subjects = Array.from({ length: 300 }, (_, index) => `person-${index}`);
        const ids = await Promise.all(
          subjects.map((subject, index) =>
            (index % 2 === 0 ? first : second).sealingKey("acme", subject).then((key) => key.id),
          ),
        );
        for (const [index, subject] of subjects.slice(0, 10).entries()) {
          expect((await second.sealingKey("acme", subject)).id).toBe(ids[index]);
        }
        const { active } = await rotateKeyFile(keyFile);
        await provider.reload();
        const result = await first.rewrap(() => {});
        expect(result).toEqual({
          checked: 300,
          rewrapped: 300,
          activeKeyId: active,
          remainingKeyIds: [],
        });
        expect((await second.openingKey("acme", ids[5] as string))?.id).toBe(ids[5]);
        expect(await second.destroySubjectKey("acme", "person-5")).toBe(true);
        expect(await first.openingKey("acme", ids[5] as string)).toBeUndefined();
      } finally {
        await provider.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe("RedisDataKeyStore", () => {
    it("keeps its records under one hash tag, the subject names hashed and no key in the clear", async () => {
      prefixes += 1;
      const keyPrefix = `ragplane:test:${run}:${prefixes}:`;
      const store = new RedisDataKeyStore({ redis: shared, keyPrefix });
      const record = dataKeyRecord();
      await store.createIfAbsent("acme", "s:abc", record);
      expect(store.keys).toEqual([
        `${keyPrefix}{dk}:records`,
        `${keyPrefix}{dk}:names`,
        `${keyPrefix}{dk}:index`,
      ]);
      expect(await shared.client.hget(`${keyPrefix}{dk}:names`, "acme\u0000s:abc")).toBe(record.id);
      expect(await store.deleteByName("acme", "s:abc")).toBe(true);
      for (const key of store.keys) expect(await shared.client.exists(key)).toBe(0);
    });
  });
}
